using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// QEMU's machine protocol over its Unix socket: one JSON object per line, commands answered in order. A reader
/// task takes every line as it arrives, so events (STOP, RESUME, MIGRATION …) carry the host time they came.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _eventsGate = new();
    private readonly List<(long Timestamp, string Name, JsonNode? Data)> _events = [];
    private readonly Channel<JsonObject> _answers = Channel.CreateUnbounded<JsonObject>();
    private readonly Task _reader;

    private QmpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Connects (QEMU creates the socket a moment after it starts) and negotiates capabilities.</summary>
    public static async Task<QmpClient> ConnectAsync(string path, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
            }
            catch (SocketException) when (waited.Elapsed < timeout)
            {
                socket.Dispose();
                await Task.Delay(20);
                continue;
            }
            var client = new QmpClient(socket);
            await client.NextAnswerAsync(CancellationToken.None); // the greeting
            await client.ExecuteAsync("qmp_capabilities");
            return client;
        }
    }

    /// <summary>Host timestamps (Stopwatch) of the events seen so far with this name.</summary>
    public IReadOnlyList<long> EventTimes(string name)
    {
        lock (_eventsGate)
        {
            return [.. _events.Where(e => e.Name == name).Select(e => e.Timestamp)];
        }
    }

    public async Task<JsonNode?> ExecuteAsync(string command, object? arguments = null, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var request = new JsonObject { ["execute"] = command };
            if (arguments is not null)
            {
                request["arguments"] = JsonSerializer.SerializeToNode(arguments);
            }
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToJsonString() + "\n"), cancellationToken);
            var answer = await NextAnswerAsync(cancellationToken);
            if (answer["error"] is { } error)
            {
                throw new InvalidOperationException($"QMP {command}: {error["desc"]?.GetValue<string>() ?? error.ToJsonString()}");
            }
            return answer["return"];
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<JsonObject> NextAnswerAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _answers.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new IOException("QEMU closed its QMP socket");
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            using var reader = new StreamReader(_stream, Encoding.UTF8, leaveOpen: true);
            while (await reader.ReadLineAsync() is { } line)
            {
                var at = Stopwatch.GetTimestamp();
                if (JsonNode.Parse(line) is not JsonObject message)
                {
                    continue;
                }
                if (message["event"]?.GetValue<string>() is { } name)
                {
                    lock (_eventsGate)
                    {
                        _events.Add((at, name, message["data"]));
                    }
                    continue;
                }
                await _answers.Writer.WriteAsync(message);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or JsonException or SocketException)
        {
            // QEMU went away; a waiting command sees the closed channel
        }
        finally
        {
            _answers.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // already gone
        }
        await _stream.DisposeAsync();
        _socket.Dispose();
        await _reader;
        _gate.Dispose();
    }
}

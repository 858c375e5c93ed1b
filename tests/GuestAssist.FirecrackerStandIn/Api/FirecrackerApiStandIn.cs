using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace GuestAssist.FirecrackerStandIn.Api;

/// <summary>
/// Answers on a Unix socket as Firecracker's API server does, for the parts an eviction uses: HTTP/1.1 with
/// keep-alive, 204 No Content for actions, 200 with JSON for GET / and GET /machine-config, and 400 with
/// <c>{"fault_message": "..."}</c> for anything refused — an unknown path or method, a body that is not the expected
/// JSON, a state that does not exist, a snapshot of a running VM. PUT /snapshot/create copies the "guest memory" file
/// given at construction to <c>mem_file_path</c> and writes a small device-state file to <c>snapshot_path</c>.
/// <see cref="Refuse"/> makes the next request to a path fail with a given fault message (as a real VMM does when
/// the disk is full, say).
/// </summary>
public sealed class FirecrackerApiStandIn : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ApiRequest> _requests = new();
    private readonly ConcurrentDictionary<string, string> _refusals = new();
    private readonly string _guestMemoryFile;
    private readonly ulong _memSizeMib;
    private readonly Lock _gate = new();
    private string _state = "Running";

    public FirecrackerApiStandIn(string socketPath, string guestMemoryFile, ulong memSizeMib)
    {
        SocketPath = socketPath;
        _guestMemoryFile = guestMemoryFile;
        _memSizeMib = memSizeMib;
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(8);
        _ = Task.Run(AcceptLoopAsync);
    }

    public string SocketPath { get; }

    /// <summary>"Running" or "Paused".</summary>
    public string State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public IReadOnlyCollection<ApiRequest> Requests => _requests;

    /// <summary>The next request to <paramref name="path"/> (e.g. "/snapshot/create") answers 400 with this fault message.</summary>
    public void Refuse(string path, string faultMessage) => _refusals[path] = faultMessage;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        _stop.Dispose();
        File.Delete(SocketPath);
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        await using (var stream = new NetworkStream(client))
        {
            try
            {
                while (await ReadRequestAsync(stream) is { } request)
                {
                    var (status, body) = Answer(request.Method, request.Path, request.Body);
                    _requests.Enqueue(new ApiRequest(request.Method, request.Path, request.Body, status));
                    await stream.WriteAsync(Response(status, body), _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private (int Status, string? Body) Answer(string method, string path, string body)
    {
        if (_refusals.TryRemove(path, out var refusal))
        {
            return Fault(refusal);
        }
        try
        {
            return (method, path) switch
            {
                ("GET", "/") => (200, $$"""{"id":"anonymous-instance","state":"{{State}}","vmm_version":"1.10.1","app_name":"Firecracker"}"""),
                ("GET", "/machine-config") => (200, $$"""{"vcpu_count":2,"mem_size_mib":{{_memSizeMib}},"smt":false,"track_dirty_pages":false,"huge_pages":"None"}"""),
                ("PATCH", "/vm") => SetState(body),
                ("PUT", "/snapshot/create") => CreateSnapshot(body),
                _ => Fault($"Invalid request method and/or path: {method} {path}."),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Fault($"An error occurred when deserializing the json body of a request: {e.Message}");
        }
    }

    private (int, string?) SetState(string body)
    {
        using var json = JsonDocument.Parse(body);
        var requested = json.RootElement.GetProperty("state").GetString();
        lock (_gate)
        {
            switch (requested)
            {
                case "Paused":
                    _state = "Paused";
                    return (204, null);
                case "Resumed":
                    _state = "Running";
                    return (204, null);
                default:
                    return Fault($"unknown variant `{requested}`, expected `Paused` or `Resumed`");
            }
        }
    }

    private (int, string?) CreateSnapshot(string body)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var snapshotPath = root.GetProperty("snapshot_path").GetString()!;
        var memFilePath = root.GetProperty("mem_file_path").GetString()!;
        var type = root.TryGetProperty("snapshot_type", out var t) ? t.GetString() : "Full";
        if (State != "Paused")
        {
            return Fault("Create snapshot error: Cannot save the microVM state: the microVM is not paused.");
        }
        if (type is not ("Full" or "Diff"))
        {
            return Fault($"unknown variant `{type}`, expected `Full` or `Diff`");
        }
        try
        {
            File.Copy(_guestMemoryFile, memFilePath, overwrite: true);
            File.WriteAllText(snapshotPath, "stand-in vmstate\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fault($"Create snapshot error: Cannot write memory file: {e.Message}");
        }
        return (204, null);
    }

    private static (int, string?) Fault(string message) =>
        (400, JsonSerializer.Serialize(new Dictionary<string, string> { ["fault_message"] = message }));

    private static byte[] Response(int status, string? body)
    {
        var reason = status switch { 200 => "OK", 204 => "No Content", _ => "Bad Request" };
        var text = body is null
            ? $"HTTP/1.1 {status} {reason}\r\nServer: Firecracker API\r\nConnection: keep-alive\r\n\r\n"
            : $"HTTP/1.1 {status} {reason}\r\nServer: Firecracker API\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
        return Encoding.UTF8.GetBytes(text);
    }

    private async Task<(string Method, string Path, string Body)?> ReadRequestAsync(Stream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }
            head.Add(one[0]);
            if (head.Count > 16 * 1024)
            {
                return null;
            }
        }
        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        var length = 0;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line[(colon + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, _stop.Token);
        return (requestLine[0], requestLine.Length > 1 ? requestLine[1] : "/", Encoding.UTF8.GetString(body));
    }
}

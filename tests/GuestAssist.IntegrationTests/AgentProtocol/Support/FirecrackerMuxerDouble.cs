using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>
/// Stands in for the host side of Firecracker's vsock muxer: listens on <c>uds_path</c>, reads the
/// command line (at most 32 bytes), answers <c>OK &lt;hostport&gt;</c> with host ports counting up
/// from 2^30, forwards bytes that followed the command line, and closes the connection when nothing
/// listens on the guest port. The "guest" is a Unix listener at <c>guestSocketPath(port)</c>,
/// standing in for a vsock listener inside the VM.
/// </summary>
public sealed class FirecrackerMuxerDouble : IDisposable
{
    public const uint FirstHostPort = 1u << 30;
    public const int MaxCommandBytes = 32;

    private readonly Socket listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Func<uint, string> guestSocketPath;
    private readonly MuxerBehaviour behaviour;
    private readonly byte[] garbage;
    private readonly bool coalesceGuestGreeting;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentQueue<string> commandLines = new();
    private long lastHostPort = FirstHostPort - 1L;

    // coalesceGuestGreeting: wait for the guest's first bytes and send them in the same write as
    // the OK line, so the client must not lose what follows the answer.
    public FirecrackerMuxerDouble(
        string udsPath,
        Func<uint, string> guestSocketPath,
        MuxerBehaviour behaviour = MuxerBehaviour.Faithful,
        string garbage = "HELLO THERE\n",
        bool coalesceGuestGreeting = false)
    {
        this.guestSocketPath = guestSocketPath;
        this.behaviour = behaviour;
        this.garbage = Encoding.Latin1.GetBytes(garbage);
        this.coalesceGuestGreeting = coalesceGuestGreeting;
        listener.Bind(new UnixDomainSocketEndPoint(udsPath));
        listener.Listen(16);
        _ = Task.Run(AcceptLoopAsync);
    }

    public IReadOnlyCollection<string> CommandLines => commandLines;

    public void Dispose()
    {
        stop.Cancel();
        listener.Dispose();
        stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket host;
            try
            {
                host = await listener.AcceptAsync(stop.Token);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(host));
        }
    }

    private async Task ServeAsync(Socket host)
    {
        try
        {
            using (host)
            {
                await ServeCoreAsync(host, stop.Token);
            }
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The test is over or a peer went away: the double just lets go.
        }
    }

    private async Task ServeCoreAsync(Socket host, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxCommandBytes];
        var filled = 0;
        var lineEnd = -1;
        while (lineEnd < 0 && filled < buffer.Length)
        {
            var read = await host.ReceiveAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                return;
            }

            var found = Array.IndexOf(buffer, (byte)'\n', filled, read);
            lineEnd = found;
            filled += read;
        }

        if (lineEnd < 0)
        {
            return; // no command line within 32 bytes
        }

        var line = Encoding.ASCII.GetString(buffer, 0, lineEnd);
        commandLines.Enqueue(line);
        var trailing = buffer.AsMemory(lineEnd + 1, filled - lineEnd - 1);
        if (!TryParseConnect(line, out var port))
        {
            return;
        }

        switch (behaviour)
        {
            case MuxerBehaviour.NeverAnswers:
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return;
            case MuxerBehaviour.AnswersGarbage:
                await host.SendAsync(garbage, cancellationToken);
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return;
        }

        using var guest = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await guest.ConnectAsync(new UnixDomainSocketEndPoint(guestSocketPath(port)), cancellationToken);
        }
        catch (SocketException)
        {
            return; // nothing listens on that guest port: Firecracker closes the host connection
        }

        if (!trailing.IsEmpty)
        {
            await guest.SendAsync(trailing, cancellationToken);
        }

        var answer = Encoding.ASCII.GetBytes($"OK {Interlocked.Increment(ref lastHostPort)}\n");
        if (coalesceGuestGreeting)
        {
            var greeting = new byte[256];
            var read = await guest.ReceiveAsync(greeting, cancellationToken);
            answer = [.. answer, .. greeting.AsSpan(0, read)];
        }

        await host.SendAsync(answer, cancellationToken);
        await Task.WhenAll(PumpAsync(host, guest, cancellationToken), PumpAsync(guest, host, cancellationToken));
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static bool TryParseConnect(string line, out uint port)
    {
        port = 0;
        var parts = line.Split(' ');
        return parts.Length == 2
            && parts[0].Equals("CONNECT", StringComparison.OrdinalIgnoreCase)
            && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out port);
    }
}

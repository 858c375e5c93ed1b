using System.Net.Sockets;
using GuestAssist.Host.Destination;
using GuestAssist.Linux.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GuestAssist.Host.Firecracker;

/// <summary>
/// Firecracker's UFFD page-fault handler protocol: listen on a Unix socket, accept the VMM, receive its
/// regions and uffd, serve faults until it closes the socket (exits). A refused handshake kills the VMM
/// (see <see cref="VmmFailurePolicy"/>) so it is never left hung.
/// </summary>
public sealed class FirecrackerUffdHandler : IDisposable
{
    private readonly Socket _listener;
    private readonly ILogger _logger;

    public FirecrackerUffdHandler(string socketPath, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        SocketPath = socketPath;
        _logger = logger ?? NullLogger.Instance;
        if (File.Exists(socketPath))
        {
            File.Delete(socketPath);
        }
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(1);
    }

    public string SocketPath { get; }

    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public VmmFailurePolicy OnFailure { get; init; } = VmmFailurePolicy.Kill;

    /// <summary>
    /// Accepts one VMM and serves it until it exits.
    /// </summary>
    /// <param name="memoryFileBytes">Size of the memory file regions must fit in (null when the pages come from elsewhere).</param>
    /// <param name="pageSource">Creates and attaches the page source once the layout is known.</param>
    /// <param name="cancellationToken">Stops waiting for or serving the VMM.</param>
    /// <exception cref="FirecrackerHandshakeException">The handshake was refused (the VMM was killed first, by default).</exception>
    public async Task<FirecrackerSessionSummary> ServeOneAsync(ulong? memoryFileBytes, PageSourceFactory pageSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pageSource);
        using var connection = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        var peer = PeerCredentials.Of(connection);
        FirecrackerHandshake handshake;
        try
        {
            handshake = await Task.Run(() => FirecrackerHandshake.Receive(connection, memoryFileBytes, HandshakeTimeout), cancellationToken).ConfigureAwait(false);
        }
        catch (FirecrackerHandshakeException e)
        {
            _logger.LogError("{Error}", e.Message);
            Refuse(peer);
            throw;
        }
        _logger.LogInformation("VMM pid {Pid} connected: {Regions} regions, {Bytes} bytes", peer.ProcessId, handshake.Layout.Regions.Count, handshake.Layout.MemoryBytes);

        using var server = new FaultServer(handshake.Uffd, handshake.Layout, logger: _logger, targetProcessId: peer.ProcessId);
        IDisposable source;
        try
        {
            source = pageSource(server);
        }
        catch
        {
            Refuse(peer);
            throw;
        }
        using (source)
        {
            server.Start();
            var closed = WaitForHangUpAsync(connection, cancellationToken);
            await Task.WhenAny(closed, server.Completion).ConfigureAwait(false);
            server.Stop();
            if (server.Completion.IsFaulted)
            {
                Refuse(peer);
                await server.Completion.ConfigureAwait(false);
            }
            cancellationToken.ThrowIfCancellationRequested();
        }
        return new FirecrackerSessionSummary(
            peer.ProcessId,
            handshake.Layout.Regions.Count,
            handshake.Layout.MemoryBytes,
            server.Statistics,
            server.Blocktime.Summarize(),
            server.TargetGone || !IsAlive(peer.ProcessId));
    }

    public void Dispose()
    {
        _listener.Dispose();
        try
        {
            File.Delete(SocketPath);
        }
        catch (IOException)
        {
            // Best effort: the socket file is only a rendezvous point.
        }
    }

    private static async Task WaitForHangUpAsync(Socket connection, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        try
        {
            // Firecracker never sends after the handshake and keeps the socket open until it exits.
            while (await connection.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Reset by the peer: it is gone.
        }
        catch (OperationCanceledException)
        {
            // Shutdown requested.
        }
    }

    private void Refuse(PeerCredentials peer)
    {
        if (OnFailure != VmmFailurePolicy.Kill)
        {
            return;
        }
        if (peer.ProcessId <= 1 || peer.ProcessId == Environment.ProcessId)
        {
            _logger.LogError("not killing VMM pid {Pid}: refusing to signal init or this process", peer.ProcessId);
            return;
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(peer.ProcessId);
            process.Kill();
            _logger.LogWarning("killed VMM pid {Pid} so that it does not hang on a fault nobody serves", peer.ProcessId);
        }
        catch (ArgumentException)
        {
            // Already exited.
        }
        catch (InvalidOperationException)
        {
            // Exited while we looked.
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

using System.Net.Sockets;
using GuestAssist.Host.Destination;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Processes;
using GuestAssist.Linux.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GuestAssist.Host.Firecracker;

/// <summary>
/// Firecracker's UFFD page-fault handler protocol: listen on a Unix socket, accept the VMM, receive its
/// regions and uffd, serve faults until the VMM process exits (a pidfd on its SO_PEERCRED pid; closing the socket does
/// not end the session). A refused handshake, or a page source that cannot serve it, kills the VMM
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
    /// <param name="createRequester">Creates the fault server's page requester once the layout is known.</param>
    /// <param name="cancellationToken">Stops waiting for or serving the VMM.</param>
    /// <exception cref="FirecrackerHandshakeException">The handshake was refused or its pages cannot be served (the VMM was killed first, by default).</exception>
    public async Task<FirecrackerSessionSummary> ServeOneAsync(ulong? memoryFileBytes, PageRequesterFactory createRequester, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(createRequester);
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

        // EOF on the handshake socket says nothing (Firecracker may close or leak it): the VMM is watched by a pidfd,
        // opened now so that a recycled pid cannot stand in for it later.
        ProcessDescriptor? vmmOrNull;
        try
        {
            vmmOrNull = ProcessDescriptor.TryOpen(peer.ProcessId);
        }
        catch (LinuxException e)
        {
            handshake.Dispose();
            _logger.LogError("cannot watch VMM pid {Pid}: {Error}", peer.ProcessId, e.Message);
            Refuse(peer);
            throw;
        }
        using var vmm = vmmOrNull;
        FaultServer server;
        try
        {
            server = new FaultServer(handshake.Uffd, handshake.Layout, s => createRequester(s), logger: _logger, targetProcessId: peer.ProcessId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            handshake.Dispose();
            var refused = new FirecrackerHandshakeException(HandshakeFailure.PageSourceUnavailable, $"cannot serve VMM pid {peer.ProcessId}'s {handshake.Layout.MemoryBytes >> 20} MiB in {handshake.Layout.PageSize}-byte pages: {e.Message}", e);
            _logger.LogError("{Error}", refused.Message);
            Refuse(peer);
            throw refused;
        }
        using (server)
        using (server.Requester as IDisposable)
        {
            server.Start();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var exited = vmm is null ? Task.CompletedTask : vmm.WaitForExitAsync(stop.Token);
            var hangUp = WatchHangUpAsync(connection, peer.ProcessId, stop.Token);
            await Task.WhenAny(exited, server.Completion, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            server.Stop();
            await hangUp.ConfigureAwait(false);
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
            server.TargetGone || vmm is null || vmm.HasExited);
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

    /// <summary>Notes (in the log) when the VMM closes the handshake socket; serving goes on until the VMM exits.</summary>
    private async Task WatchHangUpAsync(Socket connection, int pid, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        try
        {
            // Firecracker never sends after the handshake.
            while (await connection.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
            _logger.LogInformation("VMM pid {Pid} closed the handshake socket; serving its faults until it exits", pid);
        }
        catch (SocketException)
        {
            // Reset: same as a close, the process is what counts.
        }
        catch (OperationCanceledException)
        {
            // Served to the end.
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
}

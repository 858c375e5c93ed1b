using System.Net.Sockets;
using GuestAssist.Host.Layout;
using GuestAssist.Linux;
using GuestAssist.Linux.Sockets;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Host.Firecracker;

/// <summary>
/// What Firecracker sends once connected: one message holding a JSON array of GuestRegionUffdMapping, with
/// its uffd (already through UFFDIO_API, regions registered MISSING) attached as SCM_RIGHTS.
/// </summary>
internal sealed class FirecrackerHandshake : IDisposable
{
    /// <summary>Largest handshake accepted (Firecracker's is a few hundred bytes).</summary>
    public const int MaxMessageBytes = 64 * 1024;

    private FirecrackerHandshake(PeerCredentials peer, IReadOnlyList<GuestRegionUffdMapping> mappings, GuestMemoryLayout layout, Userfaultfd uffd)
    {
        Peer = peer;
        Mappings = mappings;
        Layout = layout;
        Uffd = uffd;
    }

    /// <summary>The VMM process (SO_PEERCRED).</summary>
    public PeerCredentials Peer { get; }

    public IReadOnlyList<GuestRegionUffdMapping> Mappings { get; }

    /// <summary>Guest layout with the VMM's host addresses (x86_64 GPA placement).</summary>
    public GuestMemoryLayout Layout { get; }

    /// <summary>The VMM's uffd; owned by this handshake until handed to a fault server.</summary>
    public Userfaultfd Uffd { get; }

    /// <summary>
    /// Receives and checks the handshake on an accepted connection.
    /// </summary>
    /// <param name="connection">The accepted connection from the VMM.</param>
    /// <param name="memoryFileBytes">Size of the memory file the regions must fit in, when known.</param>
    /// <param name="timeout">How long to wait for the message.</param>
    /// <exception cref="FirecrackerHandshakeException">The handshake is missing, malformed or does not add up.</exception>
    public static FirecrackerHandshake Receive(Socket connection, ulong? memoryFileBytes, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var peer = PeerCredentials.Of(connection);
        var buffer = new byte[MaxMessageBytes];
        ReceivedMessage message;
        try
        {
            message = FdPassing.Receive(connection, buffer, (int)timeout.TotalMilliseconds);
        }
        catch (TimeoutException e)
        {
            throw new FirecrackerHandshakeException(HandshakeFailure.TimedOut, $"no message from VMM pid {peer.ProcessId} within {timeout.TotalSeconds:F0} s", e);
        }
        var descriptors = message.Descriptors;
        try
        {
            if (message.EndOfStream)
            {
                throw new FirecrackerHandshakeException(HandshakeFailure.ConnectionClosed, $"VMM pid {peer.ProcessId} closed the socket before sending its regions");
            }
            var json = buffer.AsSpan(0, message.Bytes);
            var mappings = FirecrackerMappings.Parse(json);
            if (descriptors.Count == 0 || message.DescriptorsTruncated)
            {
                throw new FirecrackerHandshakeException(HandshakeFailure.MissingDescriptor, $"VMM pid {peer.ProcessId} sent its regions without a userfaultfd (SCM_RIGHTS)");
            }
            if (descriptors.Count > 1)
            {
                throw new FirecrackerHandshakeException(HandshakeFailure.MissingDescriptor, $"VMM pid {peer.ProcessId} sent {descriptors.Count} descriptors, expected exactly one userfaultfd");
            }
            if (!IsUserfaultfd(descriptors[0]))
            {
                throw new FirecrackerHandshakeException(HandshakeFailure.MissingDescriptor, $"the descriptor VMM pid {peer.ProcessId} sent is not a userfaultfd");
            }
            var layout = FirecrackerMappings.ToLayout(mappings, memoryFileBytes);
            return new FirecrackerHandshake(peer, mappings, layout, Userfaultfd.Adopt(descriptors[0]));
        }
        catch (FirecrackerHandshakeException e) when (e.Failure == HandshakeFailure.MalformedJson)
        {
            DisposeAll(descriptors);
            var text = PrintableText.Escape(buffer.AsSpan(0, message.Bytes), 80);
            throw new FirecrackerHandshakeException(HandshakeFailure.MalformedJson, $"{e.Detail} (VMM pid {peer.ProcessId} sent \"{text}\")", e);
        }
        catch
        {
            DisposeAll(descriptors);
            throw;
        }
    }

    public void Dispose() => Uffd.Dispose();

    private static bool IsUserfaultfd(FileDescriptorHandle fd)
    {
        try
        {
            var target = new FileInfo($"/proc/self/fd/{fd.Fd}").LinkTarget;
            return target is null || target.Contains("userfaultfd", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static void DisposeAll(IReadOnlyList<FileDescriptorHandle> descriptors)
    {
        foreach (var fd in descriptors)
        {
            fd.Dispose();
        }
    }
}

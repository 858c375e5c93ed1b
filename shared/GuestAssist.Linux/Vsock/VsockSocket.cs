using System.Net.Sockets;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Vsock;

/// <summary>
/// Creates AF_VSOCK stream sockets as .NET <see cref="Socket"/>s. .NET refuses
/// <c>new Socket((AddressFamily)40, ...)</c>, so the fd comes from libc and is wrapped.
/// </summary>
internal static class VsockSocket
{
    /// <summary>socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0) as a .NET socket.</summary>
    public static Socket Create()
    {
        var fd = Libc.Socket(VsockKernel.AddressFamily, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            LinuxException.ThrowLast("socket", "AF_VSOCK");
        }

        return new Socket(new SafeSocketHandle(fd, ownsHandle: true));
    }

    /// <summary>The address the kernel bound (Socket.LocalEndPoint cannot decode AF_VSOCK).</summary>
    public static unsafe VsockEndPoint GetLocalEndPoint(Socket socket)
    {
        var handle = socket.SafeHandle;
        Span<byte> sockaddr = stackalloc byte[VsockKernel.SockaddrSize];
        var length = (uint)sockaddr.Length;
        int result;
        // SAFETY: sockaddr is a 16-byte stack buffer and length says so; the kernel writes at most length bytes.
        fixed (byte* address = sockaddr)
        {
            result = Libc.GetSockName(handle, address, &length);
        }

        if (result < 0)
        {
            LinuxException.ThrowLast("getsockname", "AF_VSOCK");
        }

        return VsockEndPoint.Read(sockaddr[..(int)Math.Min(length, (uint)sockaddr.Length)]);
    }

    /// <summary>
    /// Connects to a vsock peer. Never call this on the development machines: their only vsock peer
    /// is infrastructure (see DESIGN.md); tests exercise vsock through bind/listen only.
    /// </summary>
    public static async ValueTask<Socket> ConnectAsync(VsockEndPoint remote, CancellationToken cancellationToken)
    {
        var socket = Create();
        try
        {
            // Socket.ConnectAsync(EndPoint) marks the socket connected; a raw connect(2) would leave
            // .NET believing it is not, and NetworkStream would refuse it.
            await socket.ConnectAsync(remote, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

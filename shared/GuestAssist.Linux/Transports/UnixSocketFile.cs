using System.Net.Sockets;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Transports;

/// <summary>Binding and cleaning up Unix socket files without ever removing something that is not ours.</summary>
internal static class UnixSocketFile
{
    /// <summary>Socket + bind + listen at <paramref name="path"/>, first removing a stale socket left by a dead process.</summary>
    internal static SocketListener Listen(TransportAddress address, string path, int backlog)
    {
        RemoveIfStale(address, path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(backlog);
            return new SocketListener(socket, address, path);
        }
        catch (SocketException error)
        {
            socket.Dispose();
            throw TransportException.FromOs(address, TransportOperation.Listen, error, $"binding {path}");
        }
    }

    /// <summary>
    /// A socket file nobody listens on (connect is refused) is stale and removed. A live listener, or
    /// a path that is not a socket at all, is left alone and reported.
    /// </summary>
    internal static void RemoveIfStale(TransportAddress address, string path)
    {
        var mode = FileType(path);
        if (mode is null)
        {
            return;
        }

        if (mode != Libc.S_IFSOCK)
        {
            throw new TransportException(address, TransportOperation.Listen, TransportFailure.AddressInUse,
                $"{path} exists and is not a socket; not removing it");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException)
        {
            Remove(path);
            return;
        }

        throw new TransportException(address, TransportOperation.Listen, TransportFailure.AddressInUse,
            $"another process is listening on {path}");
    }

    internal static void Remove(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Already gone or its directory went away: nothing left to clean.
        }
    }

    /// <summary>The S_IFMT bits of <paramref name="path"/> (not following symlinks), or null when it does not exist.</summary>
    internal static unsafe uint? FileType(string path)
    {
        var stat = stackalloc byte[Libc.StatSize];
        // SAFETY: stat points to StatSize (sizeof(struct stat)) bytes on this frame; lstat writes only that.
        var result = Libc.LStat(path, stat);
        if (result < 0)
        {
            var errno = LinuxException.LastErrno();
            if (errno is Errno.ENOENT)
            {
                return null;
            }

            throw new LinuxException(errno, "lstat", path);
        }

        return *(uint*)(stat + Libc.StatModeOffset) & Libc.S_IFMT;
    }
}

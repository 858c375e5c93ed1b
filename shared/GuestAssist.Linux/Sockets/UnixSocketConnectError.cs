using System.Net.Sockets;

namespace GuestAssist.Linux.Sockets;

/// <summary>
/// What a failed connect(2) to a Unix socket path really means. .NET reports ENOENT (no socket file) as
/// SocketError.AddressNotAvailable, "Cannot assign requested address": this names the errno the kernel returned.
/// </summary>
internal static class UnixSocketConnectError
{
    private const int Enoent = 2;

    /// <summary>True when the connect failed because nothing exists at <paramref name="path"/> (ENOENT).</summary>
    public static bool IsMissing(SocketException error, string path)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.NativeErrorCode == Enoent
            || (error.SocketErrorCode == SocketError.AddressNotAvailable && !File.Exists(path) && !Directory.Exists(path));
    }

    /// <summary>One line: "PATH: ENOENT (No such file or directory)" for a missing socket, else "PATH: the socket error".</summary>
    public static string Describe(SocketException error, string path)
    {
        ArgumentNullException.ThrowIfNull(error);
        return IsMissing(error, path) ? $"{path}: ENOENT (No such file or directory)" : $"{path}: {error.Message}";
    }
}

using System.Net.Sockets;

namespace GuestAssist.Linux.Tests.Transports;

/// <summary>Leaves a socket file nobody listens on, as a crashed process would.</summary>
public static class StaleUnixSocket
{
    public static void CreateAt(string path)
    {
        // .NET unlinks the file of a socket it bound when that socket is disposed, so bind elsewhere
        // and move the file: the dispose then misses it, like a process that died without cleaning up.
        var bound = path + ".bound";
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, path);
        }
    }
}

using System.Buffers.Binary;
using System.Net.Sockets;

namespace GuestAssist.Linux.Sockets;

/// <summary>The process at the other end of a connected Unix socket (SO_PEERCRED, struct ucred: pid, uid, gid).</summary>
internal readonly record struct PeerCredentials(int ProcessId, uint UserId, uint GroupId)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    internal const int UcredSize = 12;

    public static PeerCredentials Of(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> ucred = stackalloc byte[UcredSize];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length != UcredSize)
        {
            throw new InvalidOperationException($"SO_PEERCRED returned {length} bytes, expected {UcredSize}");
        }
        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(ucred),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(ucred[8..]));
    }
}

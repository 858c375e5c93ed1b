using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace GuestAssist.Linux.Vsock;

/// <summary>
/// An AF_VSOCK address (sockaddr_vm). .NET has no vsock support: Socket.Bind/Connect/Accept use
/// Serialize/Create, so this type alone decides the bytes the kernel sees.
/// </summary>
public sealed class VsockEndPoint : EndPoint, IEquatable<VsockEndPoint>
{
    public VsockEndPoint(uint cid, uint port, byte flags = 0)
    {
        Cid = cid;
        Port = port;
        Flags = flags;
    }

    public uint Cid { get; }

    public uint Port { get; }

    public byte Flags { get; }

    public override AddressFamily AddressFamily => (AddressFamily)VsockKernel.AddressFamily;

    public override SocketAddress Serialize()
    {
        // SocketAddress(family) rejects families .NET does not know (PlatformNotSupportedException),
        // so create it as Unknown and write the family bytes ourselves.
        var address = new SocketAddress(AddressFamily.Unknown, VsockKernel.SockaddrSize);
        Write(address.Buffer.Span);
        return address;
    }

    public override EndPoint Create(SocketAddress socketAddress) => Read(socketAddress.Buffer.Span[..socketAddress.Size]);

    /// <summary>Writes sockaddr_vm into the first 16 bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination)
    {
        if (destination.Length < VsockKernel.SockaddrSize)
        {
            throw new ArgumentException($"sockaddr_vm needs {VsockKernel.SockaddrSize} bytes, got {destination.Length}", nameof(destination));
        }

        var sockaddr = destination[..VsockKernel.SockaddrSize];
        sockaddr.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(sockaddr[VsockKernel.FamilyOffset..], VsockKernel.AddressFamily);
        BinaryPrimitives.WriteUInt32LittleEndian(sockaddr[VsockKernel.PortOffset..], Port);
        BinaryPrimitives.WriteUInt32LittleEndian(sockaddr[VsockKernel.CidOffset..], Cid);
        sockaddr[VsockKernel.FlagsOffset] = Flags;
    }

    /// <summary>Reads a sockaddr_vm as the kernel filled it in (accept, getsockname).</summary>
    public static VsockEndPoint Read(ReadOnlySpan<byte> sockaddr)
    {
        if (sockaddr.Length < VsockKernel.FlagsOffset + 1)
        {
            throw new ArgumentException($"sockaddr_vm is {VsockKernel.SockaddrSize} bytes, got {sockaddr.Length}", nameof(sockaddr));
        }

        var family = BinaryPrimitives.ReadUInt16LittleEndian(sockaddr[VsockKernel.FamilyOffset..]);
        if (family != VsockKernel.AddressFamily)
        {
            throw new ArgumentException($"not a sockaddr_vm: address family {family}, expected {VsockKernel.AddressFamily}", nameof(sockaddr));
        }

        return new VsockEndPoint(
            BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[VsockKernel.CidOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[VsockKernel.PortOffset..]),
            sockaddr[VsockKernel.FlagsOffset]);
    }

    public bool Equals(VsockEndPoint? other) =>
        other is not null && other.Cid == Cid && other.Port == Port && other.Flags == Flags;

    public override bool Equals(object? obj) => Equals(obj as VsockEndPoint);

    public override int GetHashCode() => HashCode.Combine(Cid, Port, Flags);

    public override string ToString() => $"vsock:{Cid}:{Port}";
}

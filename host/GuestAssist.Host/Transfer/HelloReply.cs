using System.Buffers.Binary;

namespace GuestAssist.Host.Transfer;

/// <summary>
/// Source → destination answer to a hello (40 bytes): magic u32 @0, version u16 @4, status u8 @6, reserved u8 @7,
/// then the source's MAC (zeros when the source has no secret) over both nonces and the status.
/// </summary>
internal static class HelloReply
{
    public const int Size = 8 + ChannelAuthentication.MacBytes;

    public static void Write(Stream stream, HelloStatus status, ReadOnlySpan<byte> mac)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Size];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, TransferLimits.ProtocolMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(4), TransferLimits.ProtocolVersion);
        buffer[6] = (byte)status;
        mac.CopyTo(buffer.AsSpan(8));
        stream.Write(buffer);
        stream.Flush();
    }

    public static HelloStatus Read(Stream stream, out byte[] mac)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Size];
        TransferStreamReader.ReadExactlyOrThrow(stream, buffer, "hello reply");
        mac = buffer[8..];
        return Parse(buffer);
    }

    public static HelloStatus Parse(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < Size)
        {
            throw new TransferProtocolException($"truncated hello reply: {buffer.Length} of {Size} bytes");
        }
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(buffer[4..]);
        if (magic != TransferLimits.ProtocolMagic || version != TransferLimits.ProtocolVersion)
        {
            throw new TransferProtocolException($"not a page-transfer hello reply: magic 0x{magic:x8}, version {version}");
        }
        var status = (HelloStatus)buffer[6];
        if (status > HelloStatus.Unauthenticated || buffer[7] != 0)
        {
            throw new TransferProtocolException($"malformed hello reply: status {buffer[6]}, reserved {buffer[7]}");
        }
        return status;
    }
}

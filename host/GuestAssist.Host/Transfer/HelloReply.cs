using System.Buffers.Binary;

namespace GuestAssist.Host.Transfer;

/// <summary>Source → destination answer to a hello: magic u32 @0, version u16 @4, status u8 @6, reserved u8 @7.</summary>
public static class HelloReply
{
    public const int Size = 8;

    public static void Write(Stream stream, HelloStatus status)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Size];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, TransferLimits.ProtocolMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(4), TransferLimits.ProtocolVersion);
        buffer[6] = (byte)status;
        stream.Write(buffer);
        stream.Flush();
    }

    public static HelloStatus Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Size];
        TransferStreamReader.ReadExactlyOrThrow(stream, buffer, "hello reply");
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
        if (status > HelloStatus.ChannelBusy || buffer[7] != 0)
        {
            throw new TransferProtocolException($"malformed hello reply: status {buffer[6]}, reserved {buffer[7]}");
        }
        return status;
    }
}

using System.Buffers.Binary;

namespace GuestAssist.Host.Transfer;

/// <summary>
/// First bytes on every channel, source → destination (40 bytes, little-endian): magic u32 @0, version u16 @4,
/// flags u16 @6 (1 = the source requires a secret), nonce 32 bytes @8.
/// </summary>
internal sealed record SourceChallenge(bool SecretRequired, byte[] Nonce)
{
    public const int Size = 8 + ChannelAuthentication.NonceBytes;

    private const ushort SecretRequiredFlag = 1;

    public static SourceChallenge Create(bool secretRequired) => new(secretRequired, ChannelAuthentication.NewNonce());

    public void Write(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Size];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, TransferLimits.ProtocolMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(4), TransferLimits.ProtocolVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(6), SecretRequired ? SecretRequiredFlag : (ushort)0);
        Nonce.CopyTo(buffer.AsSpan(8));
        stream.Write(buffer);
        stream.Flush();
    }

    public static SourceChallenge Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[Size];
        TransferStreamReader.ReadExactlyOrThrow(stream, buffer, "source challenge");
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        var version = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(4));
        if (magic != TransferLimits.ProtocolMagic)
        {
            throw new TransferProtocolException($"not a page server: it opened with magic 0x{magic:x8}, expected 0x{TransferLimits.ProtocolMagic:x8}");
        }
        if (version != TransferLimits.ProtocolVersion)
        {
            throw new TransferProtocolException($"the page server speaks transfer protocol version {version}, this side {TransferLimits.ProtocolVersion}");
        }
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(6));
        if ((flags & ~SecretRequiredFlag) != 0)
        {
            throw new TransferProtocolException($"unknown source challenge flags 0x{flags:x4}");
        }
        return new((flags & SecretRequiredFlag) != 0, buffer[8..]);
    }
}

using System.Buffers.Binary;

namespace GuestAssist.Host.Transfer;

/// <summary>
/// The destination's answer to the <see cref="SourceChallenge"/> on each connection. Layout (little-endian):
/// magic u32 @0 ("GAPT"), version u16 @4, channel kind u8 @6, flags u8 @7 (1 = resume), page size u32 @8,
/// reserved u32 @12, session id 16 bytes @16, total frames u64 @32, bitmap words u32 @40; then the 64-byte
/// proof (destination nonce and MAC, <see cref="ChannelAuthentication"/>); then that many u64 words of the
/// destination's received bitmap (frame i = bit i%64 of word i/64) when resuming. The source reads the bitmap
/// only after the proof verified and the frame count matched its own memory.
/// </summary>
internal sealed record ChannelHello(Guid SessionId, ChannelKind Kind, uint PageSize, ulong TotalFrames, ulong[]? ReceivedBitmap)
{
    public const int FixedSize = 44;

    private const byte ResumeFlag = 1;

    public bool IsResume => ReceivedBitmap is not null;

    public static int BitmapWords(ulong totalFrames) => checked((int)((totalFrames + 63) / 64));

    /// <summary>The fixed 44 bytes (what the destination's MAC covers).</summary>
    public byte[] EncodeFixed()
    {
        var words = ReceivedBitmap?.Length ?? 0;
        if (ReceivedBitmap is not null && words != BitmapWords(TotalFrames))
        {
            throw new InvalidOperationException($"received bitmap has {words} words for {TotalFrames} frames");
        }
        var buffer = new byte[FixedSize];
        var span = buffer.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, TransferLimits.ProtocolMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], TransferLimits.ProtocolVersion);
        span[6] = (byte)Kind;
        span[7] = ReceivedBitmap is null ? (byte)0 : ResumeFlag;
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], PageSize);
        SessionId.TryWriteBytes(span[16..32]);
        BinaryPrimitives.WriteUInt64LittleEndian(span[32..], TotalFrames);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], (uint)words);
        return buffer;
    }

    /// <summary>Writes the fixed part, <paramref name="proof"/> (exactly <see cref="ChannelAuthentication.ProofBytes"/>) and the bitmap.</summary>
    public void Write(Stream stream, ReadOnlySpan<byte> proof)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (proof.Length != ChannelAuthentication.ProofBytes)
        {
            throw new ArgumentException($"a proof has {ChannelAuthentication.ProofBytes} bytes, got {proof.Length}", nameof(proof));
        }
        var words = ReceivedBitmap?.Length ?? 0;
        var buffer = new byte[FixedSize + ChannelAuthentication.ProofBytes + (words * sizeof(ulong))];
        EncodeFixed().CopyTo(buffer, 0);
        proof.CopyTo(buffer.AsSpan(FixedSize));
        var bitmapStart = FixedSize + ChannelAuthentication.ProofBytes;
        for (var i = 0; i < words; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(bitmapStart + (i * 8)), ReceivedBitmap![i]);
        }
        stream.Write(buffer);
        stream.Flush();
    }

    /// <summary>Reads a whole hello (fixed part, proof, bitmap) without checking the proof: for tools and tests.</summary>
    public static ChannelHello Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var head = new byte[FixedSize];
        TransferStreamReader.ReadExactlyOrThrow(stream, head, "channel hello");
        var hello = ParseFixed(head, out var words);
        TransferStreamReader.ReadExactlyOrThrow(stream, new byte[ChannelAuthentication.ProofBytes], "channel proof");
        return words == 0 ? hello : hello with { ReceivedBitmap = ReadBitmap(stream, words, hello.TotalFrames) };
    }

    /// <summary>Reads a resume bitmap of <paramref name="words"/> words (already checked against the frame count).</summary>
    public static ulong[] ReadBitmap(Stream stream, int words, ulong totalFrames)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (words != BitmapWords(totalFrames))
        {
            throw new TransferProtocolException($"resume bitmap has {words} words, {BitmapWords(totalFrames)} expected for {totalFrames} frames");
        }
        var raw = new byte[words * sizeof(ulong)];
        TransferStreamReader.ReadExactlyOrThrow(stream, raw, "resume bitmap");
        var bitmap = new ulong[words];
        for (var i = 0; i < words; i++)
        {
            bitmap[i] = BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(i * 8));
        }
        var tail = totalFrames % 64;
        if (tail != 0 && (bitmap[^1] >> (int)tail) != 0)
        {
            throw new TransferProtocolException($"resume bitmap marks frames beyond the {totalFrames} frames of the session");
        }
        return bitmap;
    }

    /// <summary>Validates the fixed part; <paramref name="bitmapWords"/> is the number of u64 words that follow.</summary>
    public static ChannelHello ParseFixed(ReadOnlySpan<byte> head, out int bitmapWords)
    {
        if (head.Length < FixedSize)
        {
            throw new TransferProtocolException($"truncated channel hello: {head.Length} of {FixedSize} bytes");
        }
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
        if (magic != TransferLimits.ProtocolMagic)
        {
            throw new TransferProtocolException($"not a page-transfer hello: magic 0x{magic:x8}, expected 0x{TransferLimits.ProtocolMagic:x8}");
        }
        var version = BinaryPrimitives.ReadUInt16LittleEndian(head[4..]);
        if (version != TransferLimits.ProtocolVersion)
        {
            throw new TransferProtocolException($"page-transfer protocol version {version} is not supported (this side speaks {TransferLimits.ProtocolVersion})");
        }
        var kind = (ChannelKind)head[6];
        if (kind is not (ChannelKind.Urgent or ChannelKind.Background))
        {
            throw new TransferProtocolException($"unknown channel kind {head[6]}");
        }
        var flags = head[7];
        if ((flags & ~ResumeFlag) != 0)
        {
            throw new TransferProtocolException($"unknown hello flags 0x{flags:x2}");
        }
        var pageSize = BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
        if (pageSize is < TransferLimits.MinPageSize or > TransferLimits.MaxPageSize || (pageSize & (pageSize - 1)) != 0)
        {
            throw new TransferProtocolException($"page size {pageSize} is not a power of two in {TransferLimits.MinPageSize}..{TransferLimits.MaxPageSize}");
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(head[12..]) != 0)
        {
            throw new TransferProtocolException("channel hello reserved field is not zero");
        }
        var session = new Guid(head[16..32]);
        var totalFrames = BinaryPrimitives.ReadUInt64LittleEndian(head[32..]);
        if (totalFrames is 0 or > TransferLimits.MaxTotalFrames)
        {
            throw new TransferProtocolException($"frame count {totalFrames} outside 1..{TransferLimits.MaxTotalFrames}");
        }
        var words = BinaryPrimitives.ReadUInt32LittleEndian(head[40..]);
        var resume = (flags & ResumeFlag) != 0;
        var expected = (uint)BitmapWords(totalFrames);
        if (resume ? words != expected : words != 0)
        {
            throw new TransferProtocolException(resume
                ? $"resume bitmap has {words} words, {expected} expected for {totalFrames} frames"
                : $"a from-scratch hello carries {words} bitmap words");
        }
        bitmapWords = (int)words;
        return new ChannelHello(session, kind, pageSize, totalFrames, null);
    }
}

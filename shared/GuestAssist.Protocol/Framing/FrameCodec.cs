using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Framing;

/// <summary>
/// Encodes and decodes single frames in memory. Decoding never trusts the input: the announced length
/// is checked against the maximum before anything is allocated, and a payload that is not an Envelope
/// gives a <see cref="ProtocolException"/>.
/// </summary>
internal static class FrameCodec
{
    /// <summary>Header plus payload size of <paramref name="envelope"/> on the wire.</summary>
    public static int GetFrameSize(Envelope envelope) => FrameFormat.HeaderSize + envelope.CalculateSize();

    /// <summary>Encodes one frame into a new array.</summary>
    public static byte[] Encode(Envelope envelope, int maxFrameSize = FrameFormat.DefaultMaxFrameSize)
    {
        var payloadLength = CheckedPayloadLength(envelope, maxFrameSize);
        var frame = new byte[FrameFormat.HeaderSize + payloadLength];
        WriteFrame(envelope, payloadLength, frame);
        return frame;
    }

    /// <summary>Encodes one frame into <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Encode(Envelope envelope, Span<byte> destination, int maxFrameSize = FrameFormat.DefaultMaxFrameSize)
    {
        var payloadLength = CheckedPayloadLength(envelope, maxFrameSize);
        var frameLength = FrameFormat.HeaderSize + payloadLength;
        if (destination.Length < frameLength)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes; the frame needs {frameLength}", nameof(destination));
        }
        WriteFrame(envelope, payloadLength, destination[..frameLength]);
        return frameLength;
    }

    /// <summary>
    /// Decodes the first frame of <paramref name="buffer"/>. Returns false when more bytes are needed
    /// (<paramref name="consumed"/> is then 0); throws <see cref="ProtocolException"/> on an oversized
    /// length or a payload that is not an Envelope.
    /// </summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> buffer,
        [NotNullWhen(true)] out Envelope? envelope,
        out int consumed,
        int maxFrameSize = FrameFormat.DefaultMaxFrameSize)
    {
        envelope = null;
        consumed = 0;
        if (!TryReadHeader(buffer, maxFrameSize, out var payloadLength)
            || buffer.Length - FrameFormat.HeaderSize < payloadLength)
        {
            return false;
        }
        envelope = ParsePayload(buffer.Slice(FrameFormat.HeaderSize, payloadLength));
        consumed = FrameFormat.HeaderSize + payloadLength;
        return true;
    }

    /// <summary>As the span overload, for data that arrived in several segments (e.g. a PipeReader).</summary>
    public static bool TryDecode(
        ReadOnlySequence<byte> buffer,
        [NotNullWhen(true)] out Envelope? envelope,
        out long consumed,
        int maxFrameSize = FrameFormat.DefaultMaxFrameSize)
    {
        if (buffer.IsSingleSegment)
        {
            var decoded = TryDecode(buffer.FirstSpan, out envelope, out var spanConsumed, maxFrameSize);
            consumed = spanConsumed;
            return decoded;
        }
        envelope = null;
        consumed = 0;
        Span<byte> header = stackalloc byte[FrameFormat.HeaderSize];
        if (buffer.Length < FrameFormat.HeaderSize)
        {
            return false;
        }
        buffer.Slice(0, FrameFormat.HeaderSize).CopyTo(header);
        TryReadHeader(header, maxFrameSize, out var payloadLength);
        if (buffer.Length - FrameFormat.HeaderSize < payloadLength)
        {
            return false;
        }
        var payload = buffer.Slice(FrameFormat.HeaderSize, payloadLength);
        try
        {
            envelope = Envelope.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw Malformed(payloadLength, ex);
        }
        consumed = FrameFormat.HeaderSize + payloadLength;
        return true;
    }

    /// <summary>Reads and validates the length prefix; false when fewer than 4 bytes are available.</summary>
    internal static bool TryReadHeader(ReadOnlySpan<byte> buffer, int maxFrameSize, out int payloadLength)
    {
        payloadLength = 0;
        if (buffer.Length < FrameFormat.HeaderSize)
        {
            return false;
        }
        var announced = BinaryPrimitives.ReadUInt32LittleEndian(buffer);
        if (announced > (uint)maxFrameSize)
        {
            throw new ProtocolException(
                ErrorCode.FrameTooLarge,
                $"frame announces {announced} bytes; the maximum frame size is {maxFrameSize} bytes");
        }
        payloadLength = (int)announced;
        return true;
    }

    internal static Envelope ParsePayload(ReadOnlySpan<byte> payload)
    {
        try
        {
            return Envelope.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw Malformed(payload.Length, ex);
        }
    }

    internal static int CheckedPayloadLength(Envelope envelope, int maxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var payloadLength = envelope.CalculateSize();
        if (payloadLength > maxFrameSize)
        {
            throw new ProtocolException(
                ErrorCode.FrameTooLarge,
                $"{envelope.BodyCase} message of {payloadLength} bytes exceeds the maximum frame size of {maxFrameSize} bytes");
        }
        return payloadLength;
    }

    internal static void WriteFrame(Envelope envelope, int payloadLength, Span<byte> frame)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payloadLength);
        envelope.WriteTo(frame.Slice(FrameFormat.HeaderSize, payloadLength));
    }

    private static ProtocolException Malformed(int payloadLength, Exception inner) =>
        new(ErrorCode.MalformedFrame, $"frame of {payloadLength} bytes is not a valid Envelope: {inner.Message}", inner);
}

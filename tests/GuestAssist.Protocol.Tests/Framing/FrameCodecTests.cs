using System.Buffers;
using System.Buffers.Binary;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.Framing;

public class FrameCodecTests
{
    [Fact]
    public void Every_sample_round_trips_with_a_little_endian_length_prefix()
    {
        foreach (var envelope in SampleEnvelopes.All())
        {
            var frame = FrameCodec.Encode(envelope);
            Assert.Equal((uint)(frame.Length - 4), BinaryPrimitives.ReadUInt32LittleEndian(frame));
            Assert.Equal(frame.Length, FrameCodec.GetFrameSize(envelope));
            Assert.True(FrameCodec.TryDecode(frame, out var decoded, out var consumed));
            Assert.Equal(frame.Length, consumed);
            Assert.Equal(envelope, decoded);
        }
    }

    [Fact]
    public void Header_is_pinned()
    {
        var frame = FrameCodec.Encode(new Envelope { Id = 1, Ack = new Ack() });
        // id=1 (08 01), ack = field 13 length-delimited, empty (6A 00).
        Assert.Equal(new byte[] { 4, 0, 0, 0, 0x08, 0x01, 0x6A, 0x00 }, frame);
        Assert.Equal(4, FrameFormat.HeaderSize);
        Assert.Equal(4 * 1024 * 1024, FrameFormat.DefaultMaxFrameSize);
    }

    [Fact]
    public void Incomplete_input_asks_for_more_without_consuming()
    {
        var frame = FrameCodec.Encode(SampleEnvelopes.All()[0]);
        for (var length = 0; length < frame.Length; length++)
        {
            Assert.False(FrameCodec.TryDecode(frame.AsSpan(0, length), out var envelope, out var consumed));
            Assert.Null(envelope);
            Assert.Equal(0, consumed);
        }
    }

    [Fact]
    public void Oversized_length_is_rejected_before_any_payload_arrives()
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(header, uint.MaxValue);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<ProtocolException>(() => FrameCodec.TryDecode(header, out _, out _));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
        Assert.Equal(ErrorCode.FrameTooLarge, ex.Code);
        Assert.Contains("4294967295", ex.Message);
        Assert.Contains("4194304", ex.Message);
    }

    [Fact]
    public void Max_frame_size_is_configurable_on_both_ends()
    {
        var big = new Envelope { Id = 1, Error = new Error { Message = new string('x', 2000) } };
        var frame = FrameCodec.Encode(big);
        Assert.Equal(ErrorCode.FrameTooLarge, Assert.Throws<ProtocolException>(() => FrameCodec.TryDecode(frame, out _, out _, maxFrameSize: 1024)).Code);
        Assert.Equal(ErrorCode.FrameTooLarge, Assert.Throws<ProtocolException>(() => FrameCodec.Encode(big, maxFrameSize: 1024)).Code);
        Assert.True(FrameCodec.TryDecode(frame, out _, out _, maxFrameSize: 4096));
    }

    [Fact]
    public void Garbage_payload_is_a_malformed_frame()
    {
        byte[] frame = [3, 0, 0, 0, 0xFF, 0xFF, 0xFF];
        var ex = Assert.Throws<ProtocolException>(() => FrameCodec.TryDecode(frame, out _, out _));
        Assert.Equal(ErrorCode.MalformedFrame, ex.Code);
        Assert.Contains("not a valid Envelope", ex.Message);
    }

    [Fact]
    public void Empty_payload_is_an_envelope_without_body()
    {
        Assert.True(FrameCodec.TryDecode(new byte[] { 0, 0, 0, 0 }, out var envelope, out var consumed));
        Assert.Equal(4, consumed);
        Assert.Equal(Envelope.BodyOneofCase.None, envelope.BodyCase);
    }

    [Fact]
    public void Multi_segment_sequences_decode_like_spans()
    {
        var frames = SampleEnvelopes.All().Select(e => FrameCodec.Encode(e)).ToList();
        var all = frames.SelectMany(f => f).ToArray();
        var sequence = Segments.Split(all, 3);
        var decoded = new List<Envelope>();
        while (FrameCodec.TryDecode(sequence, out var envelope, out var consumed))
        {
            decoded.Add(envelope);
            sequence = sequence.Slice(consumed);
        }
        Assert.Equal(0, sequence.Length);
        Assert.Equal(SampleEnvelopes.All(), decoded);
    }

    [Fact]
    public void Encoding_into_a_span_matches_the_array_form()
    {
        var envelope = SampleEnvelopes.All()[7];
        var buffer = new byte[FrameCodec.GetFrameSize(envelope) + 10];
        var written = FrameCodec.Encode(envelope, buffer);
        Assert.Equal(FrameCodec.Encode(envelope), buffer[..written]);
        Assert.Throws<ArgumentException>(() => FrameCodec.Encode(envelope, new byte[3]));
    }

    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Split(byte[] data, int segmentSize)
        {
            var first = new Segments(data.AsMemory(0, Math.Min(segmentSize, data.Length)), 0);
            var last = first;
            for (var offset = segmentSize; offset < data.Length; offset += segmentSize)
            {
                var next = new Segments(data.AsMemory(offset, Math.Min(segmentSize, data.Length - offset)), offset);
                last.Next = next;
                last = next;
            }
            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }
    }
}

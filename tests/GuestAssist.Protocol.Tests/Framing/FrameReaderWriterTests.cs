using System.Buffers.Binary;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.Framing;

public class FrameReaderWriterTests
{
    private static byte[] Concat(IEnumerable<Envelope> envelopes) => envelopes.SelectMany(e => FrameCodec.Encode(e)).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public async Task Reads_every_frame_then_null_at_clean_eof(int maxRead)
    {
        var samples = SampleEnvelopes.All();
        using var reader = new FrameReader(new TrickleStream(Concat(samples), maxRead));
        foreach (var expected in samples)
        {
            Assert.Equal(expected, await reader.ReadAsync());
        }
        Assert.Null(await reader.ReadAsync());
        Assert.Null(await reader.ReadAsync());
    }

    [Fact]
    public async Task Frames_larger_than_the_initial_buffer_are_read_whole()
    {
        var big = new Envelope { Id = 1, Error = new Error { Message = new string('m', 3 * 1024 * 1024) } };
        using var reader = new FrameReader(new TrickleStream(Concat([big, big, new Envelope { Id = 2, Ack = new() }]), 100_000));
        Assert.Equal(big, await reader.ReadAsync());
        Assert.Equal(big, await reader.ReadAsync());
        Assert.Equal(2UL, (await reader.ReadAsync())!.Id);
    }

    [Fact]
    public async Task Eof_inside_a_frame_is_a_typed_error()
    {
        var frame = FrameCodec.Encode(SampleEnvelopes.All()[0]);
        foreach (var cut in new[] { 1, 3, 4, 5, frame.Length - 1 })
        {
            using var reader = new FrameReader(new MemoryStream(frame[..cut]));
            var ex = await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadAsync());
            Assert.Equal(ErrorCode.MalformedFrame, ex.Code);
            Assert.Contains("stream ended inside a frame", ex.Message);
            Assert.True(reader.IsFaulted);
        }
    }

    [Fact]
    public async Task Oversized_length_faults_the_reader_without_reading_the_payload()
    {
        var data = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(data, 5 * 1024 * 1024);
        var stream = new TrickleStream(data, 4);
        using var reader = new FrameReader(stream);
        var ex = await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadAsync());
        Assert.Equal(ErrorCode.FrameTooLarge, ex.Code);
        Assert.Equal(4, stream.Position);
        Assert.True(reader.IsFaulted);
        Assert.Equal(ErrorCode.FrameTooLarge, (await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadAsync())).Code);
    }

    [Fact]
    public async Task A_garbage_payload_is_skipped_and_the_reader_stays_in_step()
    {
        byte[] garbage = [3, 0, 0, 0, 0xFF, 0xFF, 0xFF];
        var good = new Envelope { Id = 5, Heartbeat = new Heartbeat { Sequence = 1 } };
        using var reader = new FrameReader(new MemoryStream([.. garbage, .. FrameCodec.Encode(good)]));
        Assert.Equal(ErrorCode.MalformedFrame, (await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadAsync())).Code);
        Assert.False(reader.IsFaulted);
        Assert.Equal(good, await reader.ReadAsync());
        Assert.Null(await reader.ReadAsync());
    }

    [Fact]
    public async Task Concurrent_writes_never_interleave_and_each_is_one_stream_write()
    {
        var stream = new CountingStream();
        using var writer = new FrameWriter(stream);
        var messages = Enumerable.Range(1, 400)
            .Select(i => new Envelope { Id = (ulong)i, Error = new Error { Message = new string((char)('a' + (i % 26)), i * 10) } })
            .ToList();
        await Task.WhenAll(messages.Select(m => Task.Run(async () => await writer.WriteAsync(m))));
        Assert.Equal(messages.Count, stream.Writes);
        stream.Position = 0;
        using var reader = new FrameReader(stream);
        var seen = new HashSet<ulong>();
        while (await reader.ReadAsync() is { } envelope)
        {
            Assert.Equal(messages[(int)envelope.Id - 1], envelope);
            Assert.True(seen.Add(envelope.Id));
        }
        Assert.Equal(messages.Count, seen.Count);
    }

    [Fact]
    public async Task Writer_refuses_an_oversized_message_and_writes_nothing()
    {
        var stream = new CountingStream();
        using var writer = new FrameWriter(stream, maxFrameSize: 100);
        var ex = await Assert.ThrowsAsync<ProtocolException>(async () =>
            await writer.WriteAsync(new Envelope { Error = new Error { Message = new string('x', 200) } }));
        Assert.Equal(ErrorCode.FrameTooLarge, ex.Code);
        Assert.Equal(0, stream.Length);
    }

    private sealed class CountingStream : MemoryStream
    {
        private int _writes;

        public int Writes => _writes;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _writes);
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}

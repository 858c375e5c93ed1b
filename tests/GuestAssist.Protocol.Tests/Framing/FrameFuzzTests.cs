using System.Buffers.Binary;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.Tests.Support;

namespace GuestAssist.Protocol.Tests.Framing;

/// <summary>
/// Hostile input: every decode yields a message, a request for more bytes, or a ProtocolException —
/// never another exception, a hang, or an allocation out of proportion to the input.
/// </summary>
public class FrameFuzzTests
{
    private const int Iterations = 120_000;

    [Fact]
    public void Mutated_frames_decode_or_fail_with_a_protocol_exception_in_bounded_memory()
    {
        var random = new Random(20261122);
        var seeds = SampleEnvelopes.All().Select(e => FrameCodec.Encode(e)).ToArray();
        var outcomes = new int[Enum.GetValues<Outcome>().Length];
        long worstExcess = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var input = Mutate(random, seeds, i % 6);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var outcome = DecodeAll(input);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            outcomes[(int)outcome]++;
            // Parsed messages may copy their input a few times over (strings, repeated fields); an
            // exception with its stack trace costs a few KiB. The announced length is never allocated.
            var excess = allocated - (8L * input.Length);
            worstExcess = Math.Max(worstExcess, excess);
            Assert.True(excess < 48 * 1024, $"iteration {i}: decoding {input.Length} bytes allocated {allocated} bytes");
        }
        Assert.All(outcomes, count => Assert.True(count > 100, $"outcomes {string.Join(",", outcomes)}"));
    }

    [Fact]
    public async Task Mutated_streams_through_the_reader_end_in_eof_or_a_protocol_exception()
    {
        var random = new Random(7);
        var seeds = SampleEnvelopes.All().Select(e => FrameCodec.Encode(e)).ToArray();
        for (var i = 0; i < 4000; i++)
        {
            var parts = Enumerable.Range(0, random.Next(1, 5)).Select(k => Mutate(random, seeds, (i + k) % 7));
            var data = parts.SelectMany(p => p).ToArray();
            using var reader = new FrameReader(new TrickleStream(data, random.Next(1, 64)), maxFrameSize: 64 * 1024);
            var reads = 0;
            while (true)
            {
                Assert.True(++reads <= data.Length + 2, "the reader must make progress on every call");
                try
                {
                    if (await reader.ReadAsync() is null)
                    {
                        break;
                    }
                }
                catch (ProtocolException) when (!reader.IsFaulted)
                {
                }
                catch (ProtocolException)
                {
                    break;
                }
            }
        }
    }

    private enum Outcome
    {
        Messages,
        NeedMore,
        Rejected,
    }

    private static Outcome DecodeAll(byte[] input)
    {
        ReadOnlySpan<byte> rest = input;
        try
        {
            var any = false;
            while (FrameCodec.TryDecode(rest, out _, out var consumed, maxFrameSize: 64 * 1024))
            {
                Assert.InRange(consumed, 4, rest.Length);
                rest = rest[consumed..];
                any = true;
            }
            return any && rest.IsEmpty ? Outcome.Messages : Outcome.NeedMore;
        }
        catch (ProtocolException)
        {
            return Outcome.Rejected;
        }
    }

    private static byte[] Mutate(Random random, byte[][] seeds, int kind)
    {
        var seed = seeds[random.Next(seeds.Length)];
        switch (kind)
        {
            case 0: // bit flips
            {
                var frame = (byte[])seed.Clone();
                for (var flips = random.Next(1, 9); flips > 0; flips--)
                {
                    var bit = random.Next(frame.Length * 8);
                    frame[bit / 8] ^= (byte)(1 << (bit % 8));
                }
                return frame;
            }
            case 1: // truncation
                return seed[..random.Next(0, seed.Length)];
            case 2: // length-prefix corruption: huge, off by a little, or random
            {
                var frame = (byte[])seed.Clone();
                var announced = BinaryPrimitives.ReadUInt32LittleEndian(frame);
                uint corrupted = random.Next(3) switch
                {
                    0 => (uint)random.NextInt64(0, 1L << 32),
                    1 => (uint)((int)announced + random.Next(-3, 4)),
                    _ => uint.MaxValue - (uint)random.Next(16),
                };
                BinaryPrimitives.WriteUInt32LittleEndian(frame, corrupted);
                return frame;
            }
            case 3: // splice two frames at random points
            {
                var other = seeds[random.Next(seeds.Length)];
                var a = random.Next(0, seed.Length + 1);
                var b = random.Next(0, other.Length + 1);
                return [.. seed.AsSpan(0, a), .. other.AsSpan(b)];
            }
            case 4: // random payload behind a truthful length
            {
                var payload = new byte[random.Next(0, 256)];
                random.NextBytes(payload);
                var frame = new byte[4 + payload.Length];
                BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
                payload.CopyTo(frame, 4);
                return frame;
            }
            case 5: // pure noise
            {
                var noise = new byte[random.Next(0, 64)];
                random.NextBytes(noise);
                return noise;
            }
            default: // valid frame, unchanged
                return seed;
        }
    }
}

using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.Tests.Support;

namespace GuestAssist.Protocol.Tests.PageMaps;

public class RunDecoderFuzzTests
{
    [Fact]
    public void Random_and_mutated_run_bytes_decode_or_fail_with_a_protocol_exception_in_bounded_memory()
    {
        var random = new Random(1122);
        var map = RealisticMaps.Create(1, 0.5, 5, withHeat: false, withOwners: false);
        var seeds = PageClassMapCodec.ToChunks(map, 512).Select(c => c.EncodedRuns.ToByteArray()).ToArray();
        int decoded = 0, rejected = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var seed = seeds[random.Next(seeds.Length)];
            byte[] input;
            switch (i % 4)
            {
                case 0:
                    input = (byte[])seed.Clone();
                    for (var flips = random.Next(1, 6); flips > 0; flips--)
                    {
                        var bit = random.Next(input.Length * 8);
                        input[bit / 8] ^= (byte)(1 << (bit % 8));
                    }
                    break;
                case 1:
                    input = seed[..random.Next(0, seed.Length)];
                    break;
                case 2:
                    input = [.. seed, .. seeds[random.Next(seeds.Length)].AsSpan(1)];
                    break;
                default:
                    input = new byte[random.Next(0, 200)];
                    random.NextBytes(input);
                    if (input.Length > 0 && random.Next(2) == 0)
                    {
                        input[0] = PageClassMapCodec.FormatV1;
                    }
                    break;
            }
            var maxFrames = random.Next(3) switch
            {
                0 => map.TotalFrames,
                1 => (ulong)random.NextInt64(),
                _ => ulong.MaxValue,
            };
            var firstGfn = random.Next(2) == 0 ? 0 : (ulong)random.NextInt64();
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var runs = PageClassMapCodec.DecodeRuns(input, firstGfn, maxFrames);
                Assert.True((ulong)runs.Sum(r => (decimal)r.Length) <= maxFrames);
                decoded++;
            }
            catch (ProtocolException)
            {
                rejected++;
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 24L * input.Length + 16 * 1024, $"iteration {i}: {input.Length} bytes allocated {allocated}");
        }
        Assert.True(decoded > 1000 && rejected > 1000, $"decoded {decoded}, rejected {rejected}");
    }
}

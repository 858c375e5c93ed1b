using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.PageMaps;

public class MemoryMapChunkEncoderTests
{
    private static readonly MapEpoch Epoch = new() { Sequence = 9, GuestMonotonicNs = 77 };

    private static readonly PageClass[] Classes =
    [
        PageClass.Kernel, PageClass.Hot, PageClass.Free, PageClass.Inactive, PageClass.Unproven, PageClass.Cache, PageClass.Unbacked,
    ];

    [Theory]
    [InlineData(0, false, false, 32)]
    [InlineData(1, true, false, 32)]
    [InlineData(500, false, true, 64)]
    [InlineData(5_000, true, true, 100)]
    [InlineData(20_000, true, true, 256 * 1024)]
    public void Streams_exactly_the_chunks_of_a_built_map(int runs, bool heat, bool owners, int chunkBytes)
    {
        var random = new Random(runs);
        var builder = new PageClassMapBuilder(heat, owners);
        var encoder = new MemoryMapChunkEncoder();
        var appended = new List<(ulong Length, PageClass Class, byte Heat, uint Owner)>();
        for (var i = 0; i < runs; i++)
        {
            // Repeats on purpose: neighbours with equal attributes must merge the same way on both paths.
            var run = ((ulong)random.Next(1, 3000), Classes[random.Next(i % 3 == 0 ? Classes.Length : 4)], (byte)random.Next(3), owners ? (uint)random.Next(3) : 0);
            appended.Add(run);
            builder.Append(run.Item1, run.Item2, run.Item3, run.Item4);
        }
        FrameOwner[] table = owners ? [new FrameOwner { Index = 0, Pid = 42, Command = "db" }] : [];
        var expected = PageClassMapCodec.ToChunks(builder.Build(Epoch, 4096, table), chunkBytes);

        encoder.Reset(Epoch, 4096, builder.NextGfn, heat, owners, table, chunkBytes);
        foreach (var (length, pageClass, runHeat, owner) in appended)
        {
            encoder.Append(length, pageClass, runHeat, owner);
        }
        var actual = encoder.Finish();

        Assert.Equal(expected, actual);
        Assert.Equal(builder.RunCount, encoder.RunCount);
    }

    [Fact]
    public void Is_reused_across_maps_and_hands_out_chunks_that_stay_valid()
    {
        var encoder = new MemoryMapChunkEncoder();
        encoder.Reset(Epoch, 4096, 10, withHeat: true, withOwners: false, maxChunkBytes: 32);
        encoder.Append(10, PageClass.Unproven, heat: 7);
        var first = encoder.Finish();
        var firstBytes = first[0].EncodedRuns.ToByteArray();

        encoder.Reset(Epoch, 4096, 3, withHeat: true, withOwners: false, maxChunkBytes: 32);
        encoder.Append(3, PageClass.Kernel, heat: 1);
        var second = encoder.Finish();

        Assert.Equal(firstBytes, first[0].EncodedRuns.ToByteArray());
        Assert.Equal([PageClassMapCodec.FormatV2, 0xA8, 0x01], firstBytes); // (10 << 4) | 8 = 168 as a varint
        Assert.Equal([PageClassMapCodec.FormatV1, (3 << 3) | 1], second[0].EncodedRuns.ToByteArray());
        Assert.True(second[0].Last);
    }

    [Fact]
    public void Refuses_to_finish_a_map_whose_runs_do_not_cover_it()
    {
        var encoder = new MemoryMapChunkEncoder();
        encoder.Reset(Epoch, 4096, 10, withHeat: false, withOwners: false);
        encoder.Append(9, PageClass.Free);

        var error = Assert.Throws<InvalidOperationException>(() => encoder.Finish());
        Assert.Equal("runs cover 9 frames, the map 10", error.Message);
    }
}

using Google.Protobuf;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.PageMaps;

public class PageClassMapCodecTests
{
    private static readonly MapEpoch Epoch = new() { Sequence = 3, GuestMonotonicNs = 5_000 };

    [Fact]
    public void Format_is_pinned()
    {
        ClassRun[] runs =
        [
            new(100, 1, PageClass.Kernel),    // (1 << 3) | 1 = 0x09
            new(101, 15, PageClass.Free),     // (15 << 3) | 6 = 0x7E
            new(116, 16, PageClass.Cache),    // (16 << 3) | 5 = 0x85 → 0x85 0x01
        ];
        Assert.Equal(new byte[] { 1, 0x09, 0x7E, 0x85, 0x01 }, PageClassMapCodec.EncodeRuns(runs, 100));
        Assert.Equal(runs, PageClassMapCodec.DecodeRuns([1, 0x09, 0x7E, 0x85, 0x01], 100, 32));
    }

    [Fact]
    public void Empty_runs_encode_to_the_format_byte()
    {
        Assert.Equal(new byte[] { 1 }, PageClassMapCodec.EncodeRuns([], 7));
        Assert.Empty(PageClassMapCodec.DecodeRuns([1], 7, 0));
    }

    [Fact]
    public void Encoder_rejects_gaps_empty_runs_and_classes_outside_the_format()
    {
        Assert.Throws<ArgumentException>(() => PageClassMapCodec.EncodeRuns([new(0, 1, PageClass.Kernel), new(2, 1, PageClass.Kernel)], 0));
        Assert.Throws<ArgumentException>(() => PageClassMapCodec.EncodeRuns([new(0, 1, PageClass.Kernel)], 5));
        Assert.Throws<ArgumentException>(() => PageClassMapCodec.EncodeRuns([new(0, 0, PageClass.Kernel)], 0));
        Assert.Throws<ArgumentException>(() => PageClassMapCodec.EncodeRuns([new(0, 1, (PageClass)16)], 0));
        Assert.Throws<ArgumentException>(() => PageClassMapCodec.EncodeRuns([new(ulong.MaxValue - 1, 5, PageClass.Free)], ulong.MaxValue - 1));
    }

    [Theory]
    [InlineData(new byte[0], "no format byte")]
    [InlineData(new byte[] { 1, 0x80 }, "truncated")]
    [InlineData(new byte[] { 1, 0x01 }, "length 0")]
    [InlineData(new byte[] { 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F }, "overflows 64 bits")]
    [InlineData(new byte[] { 1, 0xF9, 0x01 }, "goes past")]
    public void Decoder_names_what_is_wrong(byte[] encoded, string expected)
    {
        var ex = Assert.Throws<ProtocolException>(() => PageClassMapCodec.DecodeRuns(encoded, 0, 16));
        Assert.Equal(ErrorCode.MalformedFrame, ex.Code);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Unproven_frames_take_format_2_and_maps_without_them_stay_in_format_1()
    {
        ClassRun[] old = [new(0, 10, PageClass.Kernel), new(10, 5, PageClass.Unbacked)];
        ClassRun[] wide = [new(0, 10, PageClass.Kernel), new(10, 5, PageClass.Unproven), new(15, 1, PageClass.Free)];

        var oldBytes = PageClassMapCodec.EncodeRuns(old, 0);
        var wideBytes = PageClassMapCodec.EncodeRuns(wide, 0);

        Assert.Equal(PageClassMapCodec.FormatV1, oldBytes[0]);
        Assert.Equal(PageClassMapCodec.FormatV2, wideBytes[0]);
        Assert.Equal(old, PageClassMapCodec.DecodeRuns(oldBytes, 0, 100));
        Assert.Equal(wide, PageClassMapCodec.DecodeRuns(wideBytes, 0, 100));
    }

    [Fact]
    public void A_class_value_this_side_does_not_know_is_refused_when_a_map_is_assembled()
    {
        var chunk = new MemoryMapChunk
        {
            Epoch = new MapEpoch { Sequence = 1 },
            PageSize = 4096,
            TotalFrames = 4,
            Last = true,
            EncodedRuns = Google.Protobuf.ByteString.CopyFrom(PageClassMapCodec.FormatV2, (byte)((4 << 4) | 9)),
        };
        var error = Assert.Throws<ProtocolException>(() => PageClassMapCodec.FromChunks([chunk]));
        Assert.Contains("class 9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_format_is_unsupported()
    {
        Assert.Equal(ErrorCode.Unsupported, Assert.Throws<ProtocolException>(() => PageClassMapCodec.DecodeRuns([3, 0x09], 0, 16)).Code);
    }

    [Fact]
    public void Decoder_rejects_runs_that_overflow_the_gfn_space()
    {
        var encoded = PageClassMapCodec.EncodeRuns([new(0, 1UL << 40, PageClass.Free)], 0);
        Assert.Throws<ProtocolException>(() => PageClassMapCodec.DecodeRuns(encoded, ulong.MaxValue - 10, ulong.MaxValue));
        Assert.Equal(1UL << 40, PageClassMapCodec.CountFrames(encoded, 0, ulong.MaxValue));
    }

    [Theory]
    [InlineData(1, false, false)]
    [InlineData(2, true, false)]
    [InlineData(3, false, true)]
    [InlineData(4, true, true)]
    public void Random_maps_round_trip_exactly_chunked_and_unchunked(int seed, bool withHeat, bool withOwners)
    {
        var random = new Random(seed);
        for (var round = 0; round < 20; round++)
        {
            var builder = new PageClassMapBuilder(withHeat, withOwners);
            var runs = random.Next(0, 3000);
            for (var i = 0; i < runs; i++)
            {
                var length = random.Next(4) == 0 ? (ulong)random.NextInt64(1, 1L << 40) : (ulong)random.Next(1, 5000);
                builder.Append(length, (PageClass)random.Next(1, 8), (byte)random.Next(256), (uint)random.Next(0, 6));
            }
            var owners = withOwners ? Enumerable.Range(0, 5).Select(i => new FrameOwner { Index = (uint)i, Pid = i + 1 }).ToList() : null;
            var map = builder.Build(Epoch, 4096, owners);
            AssertSameMap(map, Unchunked(map));
            var chunkBytes = random.Next(PageClassMapCodec.MinChunkBytes, 4000);
            var chunks = PageClassMapCodec.ToChunks(map, chunkBytes);
            Assert.All(chunks, c => Assert.True(c.EncodedRuns.Length + c.RunHeat.Length + c.RunOwner.Count * 5 <= chunkBytes + 5 * c.RunOwner.Count));
            Assert.All(chunks, c => Assert.True(c.EncodedRuns.Length <= chunkBytes));
            AssertSameMap(map, PageClassMapCodec.FromChunks(ReencodeAll(chunks)));
        }
    }

    [Fact]
    public void A_fragmented_24_GiB_guest_round_trips_exactly_chunked_and_unchunked()
    {
        var map = RealisticMaps.Create(guestGiB: 24, populatedFraction: 0.5, seed: 24);
        Assert.Equal(25 * RealisticMaps.FramesPerGiB, map.TotalFrames);
        Assert.True(map.RunCount > 40_000, $"{map.RunCount} runs");
        Assert.Equal(PageClass.Unbacked, map.ClassOf(3 * RealisticMaps.FramesPerGiB + 5));
        Assert.Equal(PageClass.Free, map.ClassOf(map.TotalFrames - 1));
        AssertSameMap(map, Unchunked(map));
        var chunks = PageClassMapCodec.ToChunks(map, 64 * 1024);
        Assert.True(chunks.Count > 2, $"{chunks.Count} chunks");
        Assert.All(chunks, c => Assert.True(FrameCodec.GetFrameSize(new Envelope { MemoryMapChunk = c }) < FrameFormat.DefaultMaxFrameSize));
        AssertSameMap(map, PageClassMapCodec.FromChunks(ReencodeAll(chunks)));
    }

    [Fact]
    public void A_fragmented_64_GiB_guest_encodes_in_under_one_MiB()
    {
        var map = RealisticMaps.Create(guestGiB: 64, populatedFraction: 0.75, seed: 64, withHeat: false, withOwners: false);
        var encoded = PageClassMapCodec.EncodeRuns(map.Runs, 0);
        Assert.True(map.RunCount > 200_000, $"{map.RunCount} runs");
        Assert.True(encoded.Length <= 1024 * 1024, $"{map.RunCount} runs took {encoded.Length} bytes");
        Assert.Equal(map.Runs.ToArray(), PageClassMapCodec.DecodeRuns(encoded, 0, map.TotalFrames));
    }

    [Fact]
    public void An_empty_map_is_one_last_chunk()
    {
        var map = new PageClassMapBuilder().Build(Epoch, 4096);
        var chunk = Assert.Single(PageClassMapCodec.ToChunks(map));
        Assert.True(chunk.Last);
        AssertSameMap(map, PageClassMapCodec.FromChunks([chunk]));
    }

    [Fact]
    public void Chunking_needs_room_for_at_least_one_run()
    {
        var map = RealisticMaps.Create(1, 0.5, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => PageClassMapCodec.ToChunks(map, 8));
    }

    public static TheoryData<string, string> ChunkDefects => new()
    {
        { "out of order", "expected chunk 1, got chunk 2" },
        { "missing last", "none is flagged last" },
        { "after last", "after the last chunk" },
        { "epoch changed", "belongs to another map" },
        { "gap", "the previous chunk ended at" },
        { "heat count", "heat entries for" },
        { "heat dropped", "lacks heat entries" },
        { "owner range", "refers to owner" },
        { "short total", "but the map covers" },
        { "no class", "has no class" },
        { "page size", "not a power of two" },
        { "no epoch", "has no epoch" },
    };

    [Theory]
    [MemberData(nameof(ChunkDefects))]
    public void Inconsistent_chunks_are_rejected_with_a_clear_error(string defect, string expected)
    {
        var map = RealisticMaps.Create(1, 0.5, 9);
        var chunks = PageClassMapCodec.ToChunks(map, 2048).Select(c => c.Clone()).ToList();
        Assert.True(chunks.Count > 3);
        switch (defect)
        {
            case "out of order": (chunks[1], chunks[2]) = (chunks[2], chunks[1]); break;
            case "missing last": chunks.RemoveAt(chunks.Count - 1); break;
            case "after last": chunks.Add(chunks[^1].Clone()); chunks[^1].ChunkIndex++; break;
            case "epoch changed": chunks[2].Epoch.Sequence++; break;
            case "gap": chunks[2].FirstGfn++; break;
            case "heat count": chunks[1].RunHeat = ByteString.CopyFrom(chunks[1].RunHeat.Span[1..]); break;
            case "heat dropped": chunks[1].RunHeat = ByteString.Empty; break;
            case "owner range": chunks[0].RunOwner[0] = 41; break;
            case "short total": foreach (var c in chunks) { c.TotalFrames++; } break;
            case "no class": chunks[1].EncodedRuns = Rewrite(chunks[1], r => r with { Class = PageClass.Unspecified }); break;
            case "page size": foreach (var c in chunks) { c.PageSize = 4095; } break;
            case "no epoch": chunks[0].Epoch = null; break;
        }
        var ex = Assert.Throws<ProtocolException>(() => PageClassMapCodec.FromChunks(chunks));
        Assert.Contains(expected, ex.Message);
        Assert.StartsWith("inconsistent memory map", ex.Message);
    }

    [Fact]
    public void An_assembler_that_rejected_a_chunk_refuses_the_rest()
    {
        var map = RealisticMaps.Create(1, 0.5, 11);
        var chunks = PageClassMapCodec.ToChunks(map, 2048);
        var assembler = new PageClassMapAssembler();
        assembler.Add(chunks[0]);
        Assert.Throws<ProtocolException>(() => assembler.Add(chunks[2]));
        Assert.Contains("an earlier chunk was rejected: inconsistent memory map: expected chunk 1, got chunk 2",
            Assert.Throws<ProtocolException>(() => assembler.Add(chunks[1])).Message);
        Assert.Throws<ProtocolException>(assembler.Build);
    }

    [Fact]
    public void The_run_count_bound_is_exact_for_valid_input_and_never_exceeds_the_length()
    {
        var map = RealisticMaps.Create(2, 0.5, 12);
        Assert.Equal(map.RunCount, PageClassMapCodec.CountRunsUpperBound(PageClassMapCodec.EncodeRuns(map.Runs, 0)));
        Assert.Equal(0, PageClassMapCodec.CountRunsUpperBound([]));
        Assert.Equal(0, PageClassMapCodec.CountRunsUpperBound([1, 0x80, 0x80]));
        Assert.Equal(3, PageClassMapCodec.CountRunsUpperBound([0xFF, 1, 2, 3]));
    }

    [Fact]
    public void Decoding_into_a_list_appends()
    {
        var encoded = PageClassMapCodec.EncodeRuns([new(10, 5, PageClass.Hot), new(15, 1, PageClass.Free)], 10);
        var list = new List<ClassRun> { new(0, 10, PageClass.Kernel) };
        Assert.Equal(2, PageClassMapCodec.DecodeRunsInto(encoded, 10, 6, list));
        Assert.Equal([new(0, 10, PageClass.Kernel), new(10, 5, PageClass.Hot), new(15, 1, PageClass.Free)], list);
    }

    private static ByteString Rewrite(MemoryMapChunk chunk, Func<ClassRun, ClassRun> change)
    {
        var runs = PageClassMapCodec.DecodeRuns(chunk.EncodedRuns.Span, chunk.FirstGfn, chunk.TotalFrames);
        runs[0] = change(runs[0]);
        return ByteString.CopyFrom(PageClassMapCodec.EncodeRuns(runs, chunk.FirstGfn));
    }

    private static PageClassMap Unchunked(PageClassMap map) =>
        PageClassMapCodec.FromChunks(ReencodeAll(PageClassMapCodec.ToChunks(map, int.MaxValue)));

    /// <summary>Through the wire format, so nothing survives by reference.</summary>
    private static IEnumerable<MemoryMapChunk> ReencodeAll(IEnumerable<MemoryMapChunk> chunks) =>
        chunks.Select(c => MemoryMapChunk.Parser.ParseFrom(c.ToByteArray()));

    private static void AssertSameMap(PageClassMap expected, PageClassMap actual)
    {
        Assert.Equal(expected.Epoch, actual.Epoch);
        Assert.Equal(expected.PageSize, actual.PageSize);
        Assert.Equal(expected.TotalFrames, actual.TotalFrames);
        Assert.True(expected.Runs.SequenceEqual(actual.Runs));
        Assert.Equal(expected.RunHeat, actual.RunHeat);
        Assert.Equal(expected.RunOwner, actual.RunOwner);
        Assert.Equal(expected.Owners, actual.Owners);
    }
}

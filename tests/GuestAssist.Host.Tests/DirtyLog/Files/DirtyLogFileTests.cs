using System.Diagnostics;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.DirtyLog.Files;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Planning;
using GuestAssist.Linux.Time;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Tests.DirtyLog.Files;

public sealed class DirtyLogFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ga-dirtylog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Fact]
    public void Host_timestamps_are_clock_monotonic_nanoseconds()
    {
        var before = MonotonicClock.NowNs();
        var stopwatch = HostClock.ToMonotonicNs(Stopwatch.GetTimestamp());
        var after = MonotonicClock.NowNs();
        Assert.InRange(stopwatch, before, after);
        Assert.Equal(12_345L, HostClock.FromMonotonicNs(HostClock.ToMonotonicNs(12_345)));
    }

    [Fact]
    public void A_bitmap_file_reads_back_as_a_sealed_log_with_its_bits_at_its_base_gfn()
    {
        var path = PathOf("slot1.dirty");
        DirtyBitmapFile.Write(path, new DirtyLogFileHeader(4096, FirstGfn: 64, Frames: 100, TrackingStartedAtNs: 1_000, SealedAtNs: 5_000), [0b1001UL, 1UL << 35]);

        var log = DirtyBitmapFile.Read(path, totalFrames: 256, pageSize: 4096);

        Assert.Equal(HostClock.FromMonotonicNs(1_000), log.TrackingStartedAt);
        Assert.Equal(HostClock.FromMonotonicNs(5_000), log.SealedAt);
        Assert.Equal([64UL, 67UL, 163UL], Enumerable.Range(0, 256).Select(i => (ulong)i).Where(log.IsDirty));
    }

    [Fact]
    public void Header_is_pinned()
    {
        var path = PathOf("pinned.dirty");
        DirtyBitmapFile.Write(path, new DirtyLogFileHeader(4096, 2, 64, 0x1111, 0x2222), [ulong.MaxValue]);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(64 + 8, bytes.Length);
        Assert.Equal("GADIRTY1"u8.ToArray(), bytes[..8]);
        Assert.Equal(4096, BitConverter.ToInt32(bytes, 8));
        Assert.Equal(2UL, BitConverter.ToUInt64(bytes, 16));
        Assert.Equal(64UL, BitConverter.ToUInt64(bytes, 24));
        Assert.Equal(0x1111UL, BitConverter.ToUInt64(bytes, 32));
        Assert.Equal(0x2222UL, BitConverter.ToUInt64(bytes, 40));
    }

    [Theory]
    [InlineData(2 << 20, 0UL, 64UL, 1UL, 2UL, "2097152-byte pages")]
    [InlineData(4096, 200UL, 64UL, 1UL, 2UL, "beyond the guest's 256 frames")]
    [InlineData(4096, 0UL, 64UL, 5UL, 2UL, "not a tracking interval")]
    [InlineData(4096, 0UL, 64UL, 0UL, 2UL, "not a tracking interval")]
    public void A_bitmap_that_does_not_match_the_guest_is_refused_naming_why(int pageSize, ulong first, ulong frames, ulong started, ulong sealedAt, string expected)
    {
        var path = PathOf("bad.dirty");
        DirtyBitmapFile.Write(path, new DirtyLogFileHeader((uint)pageSize, first, frames, started, sealedAt), new ulong[(frames + 63) / 64]);
        var error = Assert.Throws<DirtyLogFileException>(() => DirtyBitmapFile.Read(path, 256, 4096));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("dirty bitmap bad.dirty: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_bitmap_is_refused()
    {
        var path = PathOf("cut.dirty");
        DirtyBitmapFile.Write(path, new DirtyLogFileHeader(4096, 0, 256, 1, 2), new ulong[4]);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..80]);
        var error = Assert.Throws<DirtyLogFileException>(() => DirtyBitmapFile.Read(path, 256, 4096));
        Assert.Contains("16 bytes of bitmap for 256 frames (32 expected)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_diff_snapshot_reads_its_data_extents_as_written_pages_through_the_layout()
    {
        // Two regions as Firecracker lays them out: GPA 0 and GPA 4 GiB, the file their concatenation.
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 64 * 4096, 0), new MemoryRegion(4UL << 30, 64 * 4096, 64 * 4096)]);
        var path = PathOf("diff.mem");
        using (var file = File.OpenHandle(path, FileMode.Create, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(file, (long)layout.FileBytes);
            var page = new byte[4096];
            page[7] = 1;
            foreach (var index in new long[] { 3, 4, 40, 64 + 9 })
            {
                RandomAccess.Write(file, page, index * 4096);
            }
        }
        FirecrackerDiffSnapshot.WriteInterval(path, 100, 900);

        var log = SuppliedDirtyLog.Open(path, layout);

        var highBase = (4UL << 30) >> 12;
        ulong[] expected = [3, 4, 40, highBase + 9];
        var dirty = expected.Where(log.IsDirty).ToArray();
        if (log.CountDirty() == (ulong)expected.Length)
        {
            Assert.Equal(expected, dirty);
        }
        else
        {
            // A file system without holes reports the whole file as data: everything written, nothing skipped.
            Assert.Equal(layout.MemoryBytes / 4096, log.CountDirty());
        }
        Assert.Equal(HostClock.FromMonotonicNs(900), log.SealedAt);
    }

    [Fact]
    public void A_diff_snapshot_without_its_interval_is_refused()
    {
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 16 * 4096, 0)]);
        var path = PathOf("lonely.mem");
        File.WriteAllBytes(path, new byte[16 * 4096]);
        var error = Assert.Throws<DirtyLogFileException>(() => SuppliedDirtyLog.Open(path, layout));
        Assert.Contains("lonely.mem.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_that_started_after_the_map_request_is_refused_for_skipping_and_one_that_covers_it_is_used()
    {
        var layout = new GuestMemoryLayout([new MemoryRegion(0, 256 * 4096, 0)]);
        var builder = new PageClassMapBuilder(withHeat: false, withOwners: false);
        builder.Append(128, PageClass.Kernel);
        builder.Append(128, PageClass.Free);
        var map = builder.Build(new MapEpoch { Sequence = 1 }, 4096);
        var requestedAt = HostClock.FromMonotonicNs(10_000);

        var late = PathOf("late.dirty");
        DirtyBitmapFile.Write(late, new DirtyLogFileHeader(4096, 0, 256, TrackingStartedAtNs: 20_000, SealedAtNs: 30_000), new ulong[4]);
        var covering = PathOf("covering.dirty");
        DirtyBitmapFile.Write(covering, new DirtyLogFileHeader(4096, 0, 256, TrackingStartedAtNs: 5_000, SealedAtNs: 30_000), new ulong[4]);

        var refused = new TransferPlanner(map, layout, requestedAt, SuppliedDirtyLog.Open(late, layout));
        var used = new TransferPlanner(map, layout, requestedAt, SuppliedDirtyLog.Open(covering, layout));

        Assert.Equal(SkippingStates.StartedAfterMap, refused.SkippingState);
        Assert.Equal(SkippingStates.Enabled, used.SkippingState);
        Assert.Equal(128, used.TakeZeroFill(new ulong[256]));
        Assert.Equal(0, refused.TakeZeroFill(new ulong[256]));
    }
}

using System.Runtime.InteropServices;
using GuestAssist.Guest.Classification;
using GuestAssist.Guest.Heat;
using GuestAssist.Guest.Scanning;
using GuestAssist.Guest.Tests.Support;
using GuestAssist.Protocol.V1;
using static GuestAssist.Guest.Classification.KPageFlag;

namespace GuestAssist.Guest.Tests.Heat;

public sealed class WorkingSetSamplerTests : IDisposable
{
    private readonly FixtureProcFs _fixture = new(4096);

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task A_missing_idle_bitmap_falls_back_to_lru_flags_and_says_why()
    {
        _fixture.Fill(0, 4096, Lru | Active | Referenced, 1);
        _fixture.Write();
        using var scanner = new FrameScanner(_fixture.Paths);
        var sampler = new WorkingSetSampler(_fixture.Paths, scanner.RamRanges);

        var workingSet = await sampler.SampleAsync(TimeSpan.FromSeconds(2));
        var result = scanner.Scan(workingSet);

        Assert.False(sampler.IsAvailable);
        Assert.Equal(HeatMethod.LruFlags, workingSet.Method);
        Assert.Contains("page_idle/bitmap missing", workingSet.Reason, StringComparison.Ordinal);
        Assert.Equal(HeatMethod.LruFlags, result.HeatMethod);
        Assert.Equal(4096UL, result.Counts[PageClass.Hot]);
    }

    [Fact]
    public async Task Frames_accessed_in_the_window_are_hot_now_and_then_hot_recently()
    {
        _fixture.Fill(0, 4096, Lru | Anon | SwapBacked | Mmap, 1);
        _fixture.Fill(500, 10, Lru | Active | Referenced | Anon | SwapBacked | Mmap, 1);
        _fixture.Set(3000, Slab);
        _fixture.Write();
        var bitmap = _fixture.CreateIdleBitmap();
        var accessed = Enumerable.Range(100, 64).Append(3000).ToArray();
        var markedAllIdle = false;
        async Task Window(TimeSpan window, CancellationToken cancellationToken)
        {
            // The kernel clears a frame's bit when it is accessed; simulate that on the fixture file.
            var words = MemoryMarshal.Cast<byte, ulong>(await File.ReadAllBytesAsync(bitmap, cancellationToken)).ToArray();
            markedAllIdle = words.All(w => w == ulong.MaxValue);
            foreach (var pfn in accessed)
            {
                words[pfn / 64] &= ~(1UL << (pfn % 64));
            }
            await File.WriteAllBytesAsync(bitmap, MemoryMarshal.AsBytes(words.AsSpan()).ToArray(), cancellationToken);
        }
        using var scanner = new FrameScanner(_fixture.Paths);
        var sampler = new WorkingSetSampler(_fixture.Paths, scanner.RamRanges, Window);

        var first = scanner.Scan(await sampler.SampleAsync(TimeSpan.FromSeconds(2)));

        Assert.True(markedAllIdle);
        Assert.Equal(HeatMethod.IdleTracking, first.HeatMethod);
        Assert.Equal(PageClass.Hot, first.ClassOf(100));
        Assert.Equal(PageClass.Hot, first.ClassOf(163));
        Assert.Equal(PageClass.Inactive, first.ClassOf(164));
        // ACTIVE+REFERENCED no longer means hot once the window says otherwise.
        Assert.Equal(PageClass.Active, first.ClassOf(505));
        // Idle tracking covers LRU pages only.
        Assert.Equal(PageClass.Kernel, first.ClassOf(3000));
        Assert.Equal(64UL, first.Counts[PageClass.Hot]);

        accessed = [2000];
        var second = scanner.Scan(await sampler.SampleAsync(TimeSpan.FromSeconds(2)));

        Assert.Equal(PageClass.Hot, second.ClassOf(2000));
        Assert.Equal(PageClass.Inactive, second.ClassOf(100));
        Assert.Equal(HeatLevel.Recent, FrameCode.HeatOf(second.CodeOf(100)));
        Assert.Equal(HeatLevel.Cold, FrameCode.HeatOf(second.CodeOf(164)));
        Assert.Equal(1UL, second.Counts[PageClass.Hot]);
    }
}

using GuestAssist.GuestRig.Tests.Analysis;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.GuestRig.Tests;

/// <summary>The rig's RAM-file ground truth and loss rule on a synthetic RAM file (no guest needed).</summary>
public sealed class GroundTruthTests : IDisposable
{
    private const int Frame = RamFileScanner.FrameBytes;
    private const uint Tag = 7;
    private readonly string _ramFile = Path.Combine(Path.GetTempPath(), $"ga-rig-ram-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(_ramFile);

    [Fact]
    public void Aligned_and_offset_copies_are_found_with_their_continuations()
    {
        var ram = new byte[16 * Frame];
        var page = new byte[Frame];
        // Index 0 at offset 0 of frame 1.
        PatternPage.Fill(page, Tag, 0);
        page.CopyTo(ram, 1 * Frame);
        // Index 1 at offset 320 of frame 3, continuing at the start of frame 9 (a vmalloc'd value).
        PatternPage.Fill(page, Tag, 1);
        page.AsSpan(0, Frame - 320).CopyTo(ram.AsSpan(3 * Frame + 320));
        page.AsSpan(Frame - 320).CopyTo(ram.AsSpan(9 * Frame));
        // Index 2 at offset 320 of frame 5, continuing at offset 1024 of frame 12 (an skb's slab head).
        PatternPage.Fill(page, Tag, 2);
        page.AsSpan(0, Frame - 320).CopyTo(ram.AsSpan(5 * Frame + 320));
        page.AsSpan(Frame - 320).CopyTo(ram.AsSpan(12 * Frame + 1024));
        File.WriteAllBytes(_ramFile, ram);

        var copies = RamFileScanner.Scan(_ramFile, new Dictionary<uint, int> { [Tag] = 4 });

        Assert.Equal(1ul, Assert.Single(copies.CopiesOf(Tag, 0)).HeaderGfn);
        var vmalloc = Assert.Single(copies.CopiesOf(Tag, 1));
        Assert.Equal((3ul, 320), (vmalloc.HeaderGfn, vmalloc.Offset));
        Assert.Equal([9ul], vmalloc.TailGfns);
        var skb = Assert.Single(copies.CopiesOf(Tag, 2));
        Assert.Equal(5ul, skb.HeaderGfn);
        Assert.Equal([12ul], skb.TailGfns);
        Assert.Empty(copies.CopiesOf(Tag, 3));
    }

    [Fact]
    public void A_copy_whose_continuation_sits_in_a_free_frame_is_lost()
    {
        var ram = new byte[16 * Frame];
        var page = new byte[Frame];
        PatternPage.Fill(page, Tag, 0);
        page.AsSpan(0, Frame - 320).CopyTo(ram.AsSpan(3 * Frame + 320));
        page.AsSpan(Frame - 320).CopyTo(ram.AsSpan(9 * Frame));
        PatternPage.Fill(page, Tag, 1);
        page.CopyTo(ram, 1 * Frame);
        File.WriteAllBytes(_ramFile, ram);
        var copies = RamFileScanner.Scan(_ramFile, new Dictionary<uint, int> { [Tag] = 2 });
        // Frames 8..15 FREE: index 0's continuation (frame 9) is lost; index 1 (frame 1) is sent.
        var map = new PageClassMap(new MapEpoch(), Frame, [new ClassRun(0, 8, PageClass.Kernel), new ClassRun(8, 8, PageClass.Free)]);

        var report = LossReport.Compute("synthetic", Tag, 2, copies, map);

        Assert.Equal((1, 0, false), (report.Lost, report.Missing, report.RigBroken));
        Assert.Equal(1, report.LostFramesByClass[PageClass.Free]);
        Assert.Equal(1, report.LostFramesByClass[PageClass.Kernel]);
    }
}

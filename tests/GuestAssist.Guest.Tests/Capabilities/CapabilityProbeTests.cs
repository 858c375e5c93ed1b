using GuestAssist.Guest.Capabilities;
using GuestAssist.Guest.Tests.Support;

namespace GuestAssist.Guest.Tests.Capabilities;

public sealed class CapabilityProbeTests
{
    [Fact]
    public void Missing_facilities_each_give_one_line_saying_what_and_why()
    {
        using var fixture = new FixtureProcFs(64);

        var capabilities = CapabilityProbe.Detect(fixture.Paths);

        Assert.False(capabilities.IsRoot);
        Assert.False(capabilities.CanScanFrames);
        Assert.False(capabilities.IdleTracking);
        Assert.False(capabilities.PageCgroup);
        Assert.Contains(capabilities.Degradations, line => line.StartsWith("not root", StringComparison.Ordinal));
        Assert.Contains(capabilities.Degradations, line => line.Contains("kpageflags is missing", StringComparison.Ordinal));
        Assert.Contains(capabilities.Degradations, line => line.Contains("CONFIG_IDLE_PAGE_TRACKING", StringComparison.Ordinal));
        Assert.Contains(capabilities.Degradations, line => line.Contains("CONFIG_MEMCG", StringComparison.Ordinal));
        Assert.DoesNotContain("memory-map.v1", capabilities.WireNames());
    }

    [Fact]
    public void Present_files_are_detected()
    {
        using var fixture = new FixtureProcFs(64);
        fixture.Write();
        fixture.CreateIdleBitmap();
        File.WriteAllBytes(fixture.Paths.KPageCgroup, new byte[64 * 8]);

        var capabilities = CapabilityProbe.Detect(fixture.Paths);

        Assert.True(capabilities.CanScanFrames);
        Assert.True(capabilities.IdleTracking);
        Assert.True(capabilities.PageCgroup);
        Assert.Contains("memory-map.v1", capabilities.WireNames());
        Assert.Contains("idle-tracking", capabilities.WireNames());
    }

    [Fact]
    public void The_live_machine_reports_its_facilities()
    {
        var capabilities = CapabilityProbe.Detect(GuestAssist.Guest.ProcFs.ProcFsPaths.Live);
        Assert.True(!capabilities.IdleTracking || File.Exists("/sys/kernel/mm/page_idle/bitmap"));
        Assert.All(capabilities.Degradations, line => Assert.DoesNotContain('\n', line));
    }
}

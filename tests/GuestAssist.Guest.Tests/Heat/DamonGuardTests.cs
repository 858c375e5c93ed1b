using GuestAssist.Guest.Heat;
using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Tests.Heat;

/// <summary>
/// When the agent may not touch DAMON's sysfs interface. Fixture trees only (the development machines' own kdamond.0
/// must never be written to); the guest rig drives DAMON for real inside VMs.
/// </summary>
public sealed class DamonGuardTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ga-damon-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ProcFsPaths Paths(int kdamonds, string? foreignThread)
    {
        var machine = Path.Combine(_root, $"{kdamonds}-{foreignThread}");
        var proc = Path.Combine(machine, "proc");
        var sys = Path.Combine(machine, "sys");
        Directory.CreateDirectory(Path.Combine(sys, "kernel", "mm", "damon", "admin", "kdamonds"));
        File.WriteAllText(Path.Combine(sys, "kernel", "mm", "damon", "admin", "kdamonds", "nr_kdamonds"), $"{kdamonds}\n");
        Directory.CreateDirectory(Path.Combine(proc, "7"));
        File.WriteAllText(Path.Combine(proc, "7", "comm"), (foreignThread ?? "sleep") + "\n");
        return new ProcFsPaths(proc, sys);
    }

    [Fact]
    public void The_kill_switch_keeps_the_agent_away_even_from_an_unused_interface()
    {
        // The test run sets GUESTASSIST_DAMON=off (tests/test.runsettings).
        Assert.Equal("off", Environment.GetEnvironmentVariable(DamonMonitor.DisableVariable));

        Assert.Null(DamonMonitor.TryCreate(Paths(0, null), [new PfnRange(0, 1024)], null, out var reason));
        Assert.Equal("DAMON disabled by GUESTASSIST_DAMON=off: not touched", reason);
    }

    [Fact]
    public void Another_users_kdamond_is_left_alone_and_nothing_is_written()
    {
        var paths = Paths(1, null);
        var countFile = Path.Combine(paths.DamonAdmin, "kdamonds", "nr_kdamonds");
        var before = File.GetLastWriteTimeUtc(countFile);
        var previous = Environment.GetEnvironmentVariable(DamonMonitor.DisableVariable);
        Environment.SetEnvironmentVariable(DamonMonitor.DisableVariable, null);
        try
        {
            Assert.Null(DamonMonitor.TryCreate(paths, [new PfnRange(0, 1024)], null, out var sysfsUser));
            Assert.Contains("in use by another user (1 kdamond(s)", sysfsUser, StringComparison.Ordinal);
            Assert.Null(DamonMonitor.TryCreate(Paths(0, "kdamond.3"), [new PfnRange(0, 1024)], null, out var moduleUser));
            Assert.Equal("DAMON is in use outside its sysfs interface (kdamond.3 runs): not touched", moduleUser);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DamonMonitor.DisableVariable, previous);
        }
        Assert.Equal("1\n", File.ReadAllText(countFile));
        Assert.Equal(before, File.GetLastWriteTimeUtc(countFile));
    }
}

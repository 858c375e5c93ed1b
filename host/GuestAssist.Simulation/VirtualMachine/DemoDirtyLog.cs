using GuestAssist.Host.DirtyLog;
using GuestAssist.Host.Layout;
using GuestAssist.Linux.Errors;

namespace GuestAssist.Simulation.VirtualMachine;

/// <summary>
/// The dirty log the demo source plans with: the real write tracker (uffd WP_ASYNC + PAGEMAP_SCAN) over the mapping the
/// workload writes through, or, where the kernel refuses it, none at all, so the planner only reorders and skips nothing.
/// WP_ASYNC accepts the shared memfd mapping (any memory type when WP is the only mode), but the log sees stores through
/// that mapping only: write(2) to the memfd or a store through another mapping of it would go unseen, so a VMM must
/// register the very mapping its vCPUs and devices write through.
/// </summary>
public sealed class DemoDirtyLog : IDisposable
{
    private readonly UffdWriteTracker? _tracker;
    private readonly string _unavailable;

    private DemoDirtyLog(UffdWriteTracker? tracker, string unavailable)
    {
        _tracker = tracker;
        _unavailable = unavailable;
    }

    /// <summary>The log to hand the planner; null when tracking is unavailable.</summary>
    public IDirtyLog? Log => _tracker;

    /// <summary>Frames seen written since tracking started (as of the last collect); 0 without a log.</summary>
    public long FramesWritten => _tracker?.DirtyCount ?? 0;

    /// <summary>Starts tracking every frame of <paramref name="layout"/> now (call before the map is requested).</summary>
    public static DemoDirtyLog Start(GuestMemoryLayout layout)
    {
        UffdWriteTracker? tracker = null;
        try
        {
            tracker = UffdWriteTracker.ForCurrentProcess(layout);
            tracker.Collect(); // nothing written yet: proves PAGEMAP_SCAN works here before the plan rests on it
            return new DemoDirtyLog(tracker, "");
        }
        catch (Exception e) when (e is LinuxException or IOException or UnauthorizedAccessException)
        {
            tracker?.Dispose();
            return new DemoDirtyLog(null, e.Message);
        }
    }

    /// <summary>Collects a last time and closes the log (the VM is stopped: switchover).</summary>
    public void Seal() => _tracker?.Seal();

    /// <summary>One line for the report: which log, and how many frames it saw written after the report.</summary>
    public string Describe() => _tracker is { } t
        ? $"uffd write-protect (WP_ASYNC) + PAGEMAP_SCAN, {t.DirtyCount} frames written after the report"
        : $"none ({_unavailable}): free frames are sent, not skipped";

    public void Dispose() => _tracker?.Dispose();
}

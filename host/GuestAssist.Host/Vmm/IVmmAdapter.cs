using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;

namespace GuestAssist.Host.Vmm;

/// <summary>
/// What an eviction needs from the VMM that runs the guest on the source: its memory layout, stopping the vCPUs at
/// switchover, the guest memory to serve once stopped, and resuming the guest when an eviction is abandoned before the
/// destination took over. Every call has a token; implementations bound their own waits.
/// </summary>
public interface IVmmAdapter
{
    /// <summary>One line for progress and errors, e.g. "firecracker /srv/vm1/api.sock".</summary>
    string Description { get; }

    Task<GuestMemoryLayout> GetLayoutAsync(CancellationToken cancellationToken);

    /// <summary>Stops every vCPU; when it returns the guest writes no more memory.</summary>
    Task PauseAsync(CancellationToken cancellationToken);

    /// <summary>The guest's memory as it is now (paused), to serve to the destination; the caller disposes it.</summary>
    Task<IPageSource> CaptureMemoryAsync(GuestMemoryLayout layout, CancellationToken cancellationToken);

    /// <summary>
    /// The guest's memory readable while the guest still runs, for the hybrid pre-switchover push: a memory file the VMM
    /// shares (memfd, tmpfs, hugetlbfs). Null (the default) when the memory can be had only once paused, as with
    /// Firecracker, whose memory file is the snapshot made at switchover.
    /// </summary>
    Task<IPageSource?> OpenLiveMemoryAsync(GuestMemoryLayout layout, CancellationToken cancellationToken) => Task.FromResult<IPageSource?>(null);

    /// <summary>Lets the guest run again on the source (the eviction was abandoned before the destination ran it).</summary>
    Task ResumeAsync(CancellationToken cancellationToken);
}

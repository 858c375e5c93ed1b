using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;

namespace GuestAssist.Host.Vmm;

/// <summary>The integrator's own VMM, as four delegates, and a fifth for the memory while it runs (hybrid; null: none).</summary>
public sealed class DelegateVmm(
    string description,
    Func<CancellationToken, Task<GuestMemoryLayout>> getLayout,
    Func<CancellationToken, Task> pause,
    Func<GuestMemoryLayout, CancellationToken, Task<IPageSource>> captureMemory,
    Func<CancellationToken, Task> resume,
    Func<GuestMemoryLayout, CancellationToken, Task<IPageSource?>>? openLiveMemory = null) : IVmmAdapter
{
    public string Description { get; } = description;

    public Task<GuestMemoryLayout> GetLayoutAsync(CancellationToken cancellationToken) => getLayout(cancellationToken);

    public Task PauseAsync(CancellationToken cancellationToken) => pause(cancellationToken);

    public Task<IPageSource> CaptureMemoryAsync(GuestMemoryLayout layout, CancellationToken cancellationToken) => captureMemory(layout, cancellationToken);

    public Task ResumeAsync(CancellationToken cancellationToken) => resume(cancellationToken);

    public Task<IPageSource?> OpenLiveMemoryAsync(GuestMemoryLayout layout, CancellationToken cancellationToken) =>
        openLiveMemory?.Invoke(layout, cancellationToken) ?? Task.FromResult<IPageSource?>(null);
}

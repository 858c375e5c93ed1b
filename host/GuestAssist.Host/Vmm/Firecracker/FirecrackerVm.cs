using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;

namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>
/// A Firecracker microVM as the eviction's VMM, through its API socket: the layout from GET /machine-config (x86_64:
/// region 0 below the 3 GiB MMIO gap, region 1 from 4 GiB; 2 MiB pages with <c>huge_pages: "2M"</c>), pause with
/// PATCH /vm, and the memory to serve from a Full snapshot (PUT /snapshot/create) written to
/// <see cref="MemoryFilePath"/>, with the device state the destination loads in <see cref="SnapshotPath"/>
/// (<see cref="DestinationLoad"/>). A supplied layout (the regions as the VMM maps them) skips the machine-config query.
/// </summary>
public sealed class FirecrackerVm(FirecrackerApiClient api, string memoryFilePath, string snapshotPath, GuestMemoryLayout? layout = null) : IVmmAdapter
{
    public FirecrackerApiClient Api { get; } = api ?? throw new ArgumentNullException(nameof(api));

    public string MemoryFilePath { get; } = memoryFilePath ?? throw new ArgumentNullException(nameof(memoryFilePath));

    public string SnapshotPath { get; } = snapshotPath ?? throw new ArgumentNullException(nameof(snapshotPath));

    public string Description => $"firecracker {Api.ApiSocketPath}";

    /// <summary>The body the destination's Firecracker loads the snapshot with, its memory served by <c>uffd-handler</c> at <paramref name="handlerSocket"/>.</summary>
    public FirecrackerSnapshotLoad DestinationLoad(string handlerSocket) => new(SnapshotPath, FirecrackerMemoryBackend.Uffd(handlerSocket));

    public async Task<GuestMemoryLayout> GetLayoutAsync(CancellationToken cancellationToken)
    {
        if (layout is not null)
        {
            return layout;
        }
        var config = await Api.GetMachineConfigAsync(cancellationToken).ConfigureAwait(false);
        var standard = GuestMemoryLayout.Firecracker(config.MemSizeMib << 20);
        return config.HugePages == "2M" ? new GuestMemoryLayout(standard.Regions, 2 << 20) : standard;
    }

    public Task PauseAsync(CancellationToken cancellationToken) => Api.PauseAsync(cancellationToken);

    public async Task<IPageSource> CaptureMemoryAsync(GuestMemoryLayout layout, CancellationToken cancellationToken)
    {
        await Api.CreateSnapshotAsync(new FirecrackerSnapshotCreate(SnapshotPath, MemoryFilePath), cancellationToken).ConfigureAwait(false);
        var length = new FileInfo(MemoryFilePath).Length;
        if ((ulong)length != layout.FileBytes)
        {
            throw new VmmException($"{Description}: the snapshot's memory file {MemoryFilePath} has {length} bytes, the guest's layout {layout.FileBytes}");
        }
        return new MappedFilePageSource(MemoryFilePath, layout, releasable: true);
    }

    public Task ResumeAsync(CancellationToken cancellationToken) => Api.ResumeAsync(cancellationToken);
}

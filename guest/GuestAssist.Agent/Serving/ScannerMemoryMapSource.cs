using System.Diagnostics;
using GuestAssist.Guest.Attribution;
using GuestAssist.Guest.Capabilities;
using GuestAssist.Guest.Heat;
using GuestAssist.Guest.ProcFs;
using GuestAssist.Guest.Scanning;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// The production map source: one <see cref="FrameScanner"/>, one <see cref="IHeatMonitor"/> and one
/// <see cref="ProcessAttributor"/> for the daemon's lifetime, so every request reuses the same read
/// buffers and bitmaps (the agent must not dirty much memory itself during an eviction). The map goes from
/// the scanner's runs straight into encoded chunks: per request it allocates about the map's encoded size.
/// Not thread-safe: the scan gate runs one request at a time.
/// </summary>
public sealed class ScannerMemoryMapSource : IMemoryMapSource, IFrameOwnerSource, IDisposable
{
    private readonly FrameScanner _scanner;
    private readonly IHeatMonitor _heat;
    private readonly ProcessAttributor _attributor;
    private readonly TimeSpan _heatWindow;
    private readonly MemoryMapChunkEncoder _encoder = new();

    private ScannerMemoryMapSource(FrameScanner scanner, GuestCapabilities capabilities, ProcFsPaths paths, TimeSpan heatWindow, string heatMethod, DamonOptions? damon)
    {
        _scanner = scanner;
        _heat = HeatMonitorSelector.Create(heatMethod, paths, scanner.RamRanges, out var heatReason, damon);
        HeatReason = heatReason;
        _attributor = new ProcessAttributor(paths);
        _heatWindow = heatWindow;
        ulong ramFrames = 0;
        foreach (var range in scanner.RamRanges)
        {
            ramFrames += range.Length;
        }
        var wire = capabilities.WireNames().Append(Capabilities.MemoryMapHeat);
        if (capabilities.IsRoot)
        {
            // pagemap shows PFNs to CAP_SYS_ADMIN only: without it no frame has an owner.
            wire = wire.Append(Capabilities.MemoryMapOwners);
        }
        var notes = capabilities.Degradations.Append($"heat: {heatReason}; cost: {_heat.Cost}").ToList();
        Info = new MemoryMapSourceInfo([.. wire], notes, (uint)Environment.SystemPageSize, ramFrames);
    }

    public MemoryMapSourceInfo Info { get; }

    /// <summary>Which access monitor serves heat and why it was chosen.</summary>
    public string HeatReason { get; }

    /// <summary>Probes this machine; when frames cannot be classified, a source that says why.</summary>
    public static IMemoryMapSource Create(ProcFsPaths paths, TimeSpan heatWindow, string heatMethod = HeatMonitorSelector.Auto, DamonOptions? damon = null)
    {
        var capabilities = CapabilityProbe.Detect(paths);
        if (!capabilities.CanScanFrames)
        {
            return new UnavailableMemoryMapSource(string.Join("; ", capabilities.Degradations));
        }
        try
        {
            var scanner = new FrameScanner(paths, new FrameScannerOptions { PageSize = (uint)Environment.SystemPageSize });
            return new ScannerMemoryMapSource(scanner, capabilities, paths, heatWindow, heatMethod, damon);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return new UnavailableMemoryMapSource($"the frame scanner cannot start: {ex.Message}");
        }
    }

    public async ValueTask<ScannedMap> ScanAsync(MemoryMapRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        WorkingSet? workingSet = null;
        if (request.IncludeHeat && _heatWindow > TimeSpan.Zero)
        {
            workingSet = await _heat.SampleAsync(_heatWindow, cancellationToken).ConfigureAwait(false);
        }
        var scan = _scanner.Scan(workingSet);
        OwnerIndex? owners = null;
        // The attributor reuses the owner index's arrays: an index cached for DirtyFrames is stale from here on.
        _owners = null;
        if (request.IncludeOwners || request.IndexOwners)
        {
            var pids = request.IncludeOwners && request.OwnerPids.Count > 0 ? request.OwnerPids : null;
            var index = _attributor.Attribute(scan, pids).Owners;
            if (pids is null)
            {
                (_owners, _ownersAt) = (index, Stopwatch.GetTimestamp());
            }
            owners = request.IncludeOwners ? index : null;
        }
        var chunks = scan.ToChunks(_encoder, request.MaxChunkBytes, request.IncludeHeat, owners);
        return new ScannedMap(chunks, scan.Epoch, _encoder.RunCount, request.IncludeHeat ? scan.HeatMethod : HeatMethod.None);
    }

    private OwnerIndex? _owners;
    private long _ownersAt;

    /// <summary>Every process's frames, at most <paramref name="maxAge"/> old; valid until the next scan (run both under the scan gate).</summary>
    public ValueTask<OwnerIndex> OwnersAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        if (_owners is { } owners && Stopwatch.GetElapsedTime(_ownersAt) <= maxAge)
        {
            return ValueTask.FromResult(owners);
        }
        _owners = _attributor.Owners();
        _ownersAt = Stopwatch.GetTimestamp();
        return ValueTask.FromResult(_owners);
    }

    public void Dispose()
    {
        _heat.Dispose();
        _scanner.Dispose();
    }
}

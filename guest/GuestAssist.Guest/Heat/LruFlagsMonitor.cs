using GuestAssist.Guest.ProcFs;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// The last resort: heat from the LRU flags the scan reads anyway (ACTIVE + REFERENCED is hot). Anonymous
/// memory without swap stays on the inactive list hot or cold, and with MGLRU on (lru_gen) KPF_ACTIVE is never
/// set at all: the working set names the method so nobody mistakes it for a measurement.
/// </summary>
public sealed class LruFlagsMonitor : IHeatMonitor
{
    public LruFlagsMonitor(ProcFsPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        MultiGenLru = IsMultiGenLruOn(paths);
    }

    /// <summary>lru_gen is enabled (its "enabled" mask is non-zero).</summary>
    public bool MultiGenLru { get; }

    public HeatMethod Method => MultiGenLru ? HeatMethod.LruFlagsMglru : HeatMethod.LruFlags;

    public string Cost => "none: flags are read with the frame scan";

    public Task<WorkingSet> SampleAsync(TimeSpan window, CancellationToken cancellationToken = default) =>
        Task.FromResult(WorkingSet.FromLruFlags(
            MultiGenLru ? "LRU flags with MGLRU on: KPF_ACTIVE is never set, hot and cold look alike" : "LRU flags: ACTIVE+REFERENCED (anon without swap stays inactive)",
            MultiGenLru));

    public void Dispose()
    {
    }

    private static bool IsMultiGenLruOn(ProcFsPaths paths)
    {
        try
        {
            var text = File.ReadAllText(paths.LruGenEnabled).Trim();
            return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                && ulong.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var mask)
                && mask != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

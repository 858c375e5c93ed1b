using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Heat;

/// <summary>One of the kernel's access monitors, turned into a PFN-indexed working set.</summary>
public interface IHeatMonitor : IDisposable
{
    HeatMethod Method { get; }

    /// <summary>What running it costs, stated for operators (one line).</summary>
    string Cost { get; }

    /// <summary>Watches one window and returns what was accessed in it. Never throws for a missing or refused facility: it falls back and says so.</summary>
    Task<WorkingSet> SampleAsync(TimeSpan window, CancellationToken cancellationToken = default);
}

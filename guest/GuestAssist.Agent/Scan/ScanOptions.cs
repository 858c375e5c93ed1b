namespace GuestAssist.Agent.Scan;

/// <summary>What `guestassist-agent scan` was asked to do.</summary>
internal sealed record ScanOptions
{
    public bool Json { get; init; }

    public bool ByProcess { get; init; }

    public int Top { get; init; } = 20;

    public IReadOnlyList<int> Pids { get; init; } = [];

    /// <summary>Attribute only the processes of this service (command name or cgroup path segment).</summary>
    public string? Service { get; init; }

    public string? MapFile { get; init; }

    public bool Bench { get; init; }

    public int Rounds { get; init; } = 5;

    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A <see cref="GuestAssist.Guest.Heat.HeatMonitorSelector"/> name.</summary>
    public string Heat { get; init; } = GuestAssist.Guest.Heat.HeatMonitorSelector.Auto;

    public string ProcRoot { get; init; } = "/proc";

    public string SysRoot { get; init; } = "/sys";
}

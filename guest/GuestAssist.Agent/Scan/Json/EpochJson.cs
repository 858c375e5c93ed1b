namespace GuestAssist.Agent.Scan.Json;

/// <summary>The scan's epoch: sequence number and guest CLOCK_MONOTONIC at its start.</summary>
internal sealed record EpochJson(ulong Sequence, ulong GuestMonotonicNs);

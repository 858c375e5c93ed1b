namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>The service's rate over (previous sample, <see cref="Seconds"/>], seconds since the eviction began (negative before).</summary>
public readonly record struct ThroughputSample(double Seconds, double OperationsPerSecond, double IntervalSeconds);

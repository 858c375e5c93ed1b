namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// One method's run, measured from the moment the eviction began (t = 0): the switchover (the source's vCPUs stopped
/// for good), the blackout until the destination ran, when the service was back at 90% of its baseline (and of the
/// destination's steady rate) after the switchover, the work lost over the window (before the switchover against the
/// source's baseline, after it against the destination's steady rate; the same integral only until the service
/// recovered, which leaves out the machine's own swings after that; and, for comparison, all of it against the
/// baseline), the destination's steady rate as a share of the baseline, the mean rate until the source's memory was
/// free, when it was, what crossed the link, and whether every word the service holds was right.
/// </summary>
public sealed record MigrationRecord(
    string Workload,
    MigrationMethod Method,
    int Run,
    double BaselineOpsPerSecond,
    double SwitchoverSeconds,
    double BlackoutMilliseconds,
    double RecoverySeconds,
    double RecoveryToSteadySeconds,
    double DeficitSeconds,
    double DeficitVsBaselineSeconds,
    double DeficitToRecoverySeconds,
    double SteadyToBaseline,
    double ThroughputDuringEviction,
    double SourceFreeSeconds,
    double MegabytesSent,
    long? Faults,
    double? BlocktimeSeconds,
    long IntegrityErrors,
    long VerifiedPages,
    string Notes,
    ThroughputTrace Trace)
{
    public bool IntegrityOk => IntegrityErrors == 0 && VerifiedPages > 0;
}

namespace GuestAssist.Host.Destination;

/// <summary>
/// The destination's outage policy: a dropped channel is reconnected for as long as the outage lasts, with
/// backoff doubling from <see cref="Initial"/> to at most <see cref="Max"/>, every attempt reported; once the
/// outage has lasted <see cref="Deadline"/> the transfer fails with a reason, so whoever runs the VMM can stop it
/// instead of leaving its vCPUs hung on faults nobody will serve. A refusal that retrying cannot fix (wrong
/// secret, session or geometry) fails at once.
/// </summary>
public sealed record RecoveryOptions(TimeSpan? OutageDeadline = null, TimeSpan? InitialBackoff = null, TimeSpan? MaxBackoff = null)
{
    /// <summary>Ten minutes by default: long enough for a page server restart or a network blip, short of forever.</summary>
    public TimeSpan Deadline => OutageDeadline ?? TimeSpan.FromMinutes(10);

    public TimeSpan Initial => InitialBackoff ?? TimeSpan.FromMilliseconds(10);

    public TimeSpan Max => MaxBackoff ?? TimeSpan.FromSeconds(1);

    /// <summary>Wait before retry <paramref name="attempt"/> (0-based).</summary>
    public TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(Max.Ticks, Initial.Ticks << Math.Min(attempt, 20)));
}

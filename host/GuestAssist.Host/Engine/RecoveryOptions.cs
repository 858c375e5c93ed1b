namespace GuestAssist.Host.Engine;

/// <summary>How the destination re-establishes a dropped channel: bounded retries with exponential backoff.</summary>
public sealed record RecoveryOptions(int MaxRetries = 8, TimeSpan? InitialBackoff = null, TimeSpan? MaxBackoff = null)
{
    public TimeSpan Initial => InitialBackoff ?? TimeSpan.FromMilliseconds(10);

    public TimeSpan Max => MaxBackoff ?? TimeSpan.FromSeconds(1);

    /// <summary>Wait before retry <paramref name="attempt"/> (0-based).</summary>
    public TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(Max.Ticks, Initial.Ticks << Math.Min(attempt, 20)));
}

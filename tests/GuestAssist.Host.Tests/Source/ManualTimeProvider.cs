namespace GuestAssist.Host.Tests.Source;

/// <summary>A clock that moves only when told; 1 tick = 1 ns.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _now = 1_000_000_000;

    public override long TimestampFrequency => 1_000_000_000;

    public override long GetTimestamp() => _now;

    public void Advance(TimeSpan by) => _now += (long)(by.TotalSeconds * 1e9);
}

namespace GuestAssist.Host.Source;

/// <summary>How a page server runs.</summary>
public sealed class PageServerOptions
{
    /// <summary>The migration session; destinations presenting another id are refused.</summary>
    public Guid SessionId { get; init; } = Guid.Empty;

    /// <summary>Frames asked from the schedule per background batch.</summary>
    public int BatchPages { get; init; } = 64;

    /// <summary>Link limit shared by both channels; null = unlimited.</summary>
    public TokenBucket? Link { get; init; }

    /// <summary>Page class (PageClass enum value 0..7) of a frame, for per-class counters.</summary>
    public Func<ulong, int>? PageClassOf { get; init; }
}

using GuestAssist.Host.Transfer;

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

    /// <summary>The per-migration secret destinations must prove; null accepts any destination (tests, trusted local use).</summary>
    public TransferSecret? Secret { get; init; }

    /// <summary>TLS on every channel (<see cref="TransferTls.ForServer"/>); null = plain TCP or Unix socket.</summary>
    public TransferTls? Tls { get; init; }

    /// <summary>Most connections open at once (handshaking or serving); more are closed at accept.</summary>
    public int MaxConnections { get; init; } = 16;

    /// <summary>From accept to a finished hello; a silent or trickling peer is dropped then.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TransferLimits.HandshakeTimeout;

    /// <summary>
    /// Release the source's copy of each frame once the destination confirmed it installed (<see cref="IPageSource.Release"/>:
    /// punch it out of the memory file, or madvise it away), so the host gets the VM's memory back page by page instead of
    /// at the end. Only for a source whose memory nobody needs after the eviction; off by default.
    /// </summary>
    public bool ReleaseSource { get; init; }

    /// <summary>
    /// Hold the background stream after the switchover mark (urgent requests are still served) until
    /// <see cref="PageServer.ReleaseStream"/>: while the destination VMM loads the device state over the same link, a
    /// full-rate page stream beside it stretched that load, the VM's blackout, from ~70 ms to a second.
    /// </summary>
    public bool HoldStreamAfterSwitchover { get; init; }

    /// <summary>Page class (PageClass enum value) of a frame, for per-class counters.</summary>
    public Func<ulong, int>? PageClassOf { get; init; }
}

namespace GuestAssist.Host.Destination;

/// <summary>How the destination engine connects to the page server.</summary>
public sealed class PostCopyClientOptions
{
    public Guid SessionId { get; init; } = Guid.Empty;

    public RecoveryOptions Recovery { get; init; } = new();

    /// <summary>The migration's secret; null only against a page server that requires none.</summary>
    public GuestAssist.Host.Transfer.TransferSecret? Secret { get; init; }

    /// <summary>TLS with the page server (<see cref="GuestAssist.Host.Transfer.TransferTls.ForClient"/>); null = plain, for a server without TLS.</summary>
    public GuestAssist.Host.Transfer.TransferTls? Tls { get; init; }

    /// <summary>How long the first connection of each channel may take (the outage deadline applies after).</summary>
    public TimeSpan ConnectDeadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest wait between attempts of the first connection: the page server starts listening at the switchover,
    /// and every millisecond the destination waits after that is blackout.
    /// </summary>
    public TimeSpan FirstConnectPoll { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Installed frames are confirmed to the source once this many gathered, or after <see cref="ConfirmInterval"/>.</summary>
    public int ConfirmEveryFrames { get; init; } = 1024;

    public TimeSpan ConfirmInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Cuts to inject, in order of AfterPages: a recovery drill for the demo and the tests, not for integrators.</summary>
    internal IReadOnlyList<ConnectionCut> Cuts { get; init; } = [];
}

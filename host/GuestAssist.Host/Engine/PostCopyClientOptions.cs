namespace GuestAssist.Host.Engine;

/// <summary>How the destination engine connects to the page server.</summary>
public sealed class PostCopyClientOptions
{
    public Guid SessionId { get; init; } = Guid.Empty;

    public RecoveryOptions Recovery { get; init; } = new();

    /// <summary>Cuts to inject, in order of AfterPages.</summary>
    public IReadOnlyList<ConnectionCut> Cuts { get; init; } = [];
}

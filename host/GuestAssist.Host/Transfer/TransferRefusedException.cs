namespace GuestAssist.Host.Transfer;

/// <summary>The page server answered a hello with a refusal; <see cref="Permanent"/> says whether retrying can help.</summary>
public sealed class TransferRefusedException : TransferProtocolException
{
    public TransferRefusedException(ChannelKind kind, HelloStatus status, string? detail = null)
        : base(detail is null ? $"page server refused the {kind} channel: {Describe(status)}" : $"page server refused the {kind} channel: {Describe(status)} ({detail})")
    {
        Status = status;
    }

    public HelloStatus Status { get; }

    /// <summary>A wrong secret, session or geometry stays wrong; a busy channel may free up.</summary>
    public bool Permanent => Status != HelloStatus.ChannelBusy;

    private static string Describe(HelloStatus status) => status switch
    {
        HelloStatus.UnknownSession => "it serves another migration session",
        HelloStatus.GeometryMismatch => "page size or frame count differ from its memory",
        HelloStatus.ChannelBusy => "another destination holds this migration",
        HelloStatus.Unauthenticated => "the secret does not match",
        _ => status.ToString(),
    };
}

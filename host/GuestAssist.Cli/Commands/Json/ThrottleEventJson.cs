namespace GuestAssist.Cli.Commands.Json;

/// <summary>
/// `agent throttle --json`: one line per event (JSON Lines): <c>started</c> with the budget, <c>status</c> every
/// second with who is throttled, <c>ended</c> with how many processes were released.
/// </summary>
internal sealed record ThrottleEventJson(
    string Event,
    ulong SessionId,
    ulong? BudgetBytesPerSecond = null,
    int? Seconds = null,
    IReadOnlyList<ThrottledProcessJson>? Throttled = null,
    uint? ReleasedProcesses = null);

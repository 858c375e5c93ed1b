namespace GuestAssist.Guest.Attribution;

/// <summary>Per-process frame counts, the owner index, and how many processes could not be walked.</summary>
public sealed record AttributionResult(
    IReadOnlyList<ProcessFrames> Processes,
    OwnerIndex Owners,
    int Walked,
    int Vanished,
    int Denied,
    bool PfnsHidden);

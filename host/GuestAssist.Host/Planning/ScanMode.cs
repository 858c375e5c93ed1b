namespace GuestAssist.Host.Planning;

/// <summary>Which pending frames a planner cursor takes in the free/unbacked phase.</summary>
internal enum ScanMode
{
    All,
    LeaveCleanCandidates,
    CleanCandidatesOnly,
}

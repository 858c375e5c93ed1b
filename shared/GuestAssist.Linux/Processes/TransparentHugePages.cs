using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Processes;

/// <summary>The calling process's use of transparent huge pages.</summary>
public static class TransparentHugePages
{
    /// <summary>
    /// PR_SET_THP_DISABLE for this process and its children: khugepaged never collapses its memory (a collapse
    /// copies 2 MiB into fresh frames, all newly written) and its small writes stay 4 KiB writes. False when the
    /// kernel refuses (it predates 3.15).
    /// </summary>
    public static bool DisableForThisProcess() => Libc.Prctl(Libc.PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0;
}

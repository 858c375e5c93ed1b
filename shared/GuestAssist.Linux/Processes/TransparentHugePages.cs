using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Processes;

/// <summary>The calling process's use of transparent huge pages.</summary>
internal static class TransparentHugePages
{
    private const string EnabledPath = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>
    /// Makes sure no memory of this process is ever backed by a transparent huge page. A THP turns a small write
    /// into a 2 MiB one for anyone tracking dirty memory (soft-dirty and a PMD are per 2 MiB), and khugepaged
    /// collapsing the heap copies 2 MiB into fresh frames. PR_SET_THP_DISABLE stops new ones, but the runtime
    /// faulted its heap in before Main ran, so when the kernel's mode is "always" the process sets the flag
    /// (kept across execve) and executes itself again once: the new image starts with no THP at all.
    /// Returns when THP is off for this process, or when the kernel cannot do it (then nothing changes).
    /// </summary>
    public static void DisableForThisProcess()
    {
        if (Libc.Prctl(Libc.PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1)
        {
            return;
        }
        if (Libc.Prctl(Libc.PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0 || !KernelModeIsAlways())
        {
            return;
        }
        ExecuteSelfAgain();
    }

    private static bool KernelModeIsAlways()
    {
        try
        {
            return File.ReadAllText(EnabledPath).Contains("[always]", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static unsafe void ExecuteSelfAgain()
    {
        byte[] commandLine;
        try
        {
            commandLine = File.ReadAllBytes("/proc/self/cmdline");
        }
        catch (IOException)
        {
            return;
        }
        if (commandLine.Length == 0 || commandLine[^1] != 0)
        {
            return;
        }
        var starts = new List<int> { 0 };
        for (var i = 0; i < commandLine.Length - 1; i++)
        {
            if (commandLine[i] == 0)
            {
                starts.Add(i + 1);
            }
        }
        var path = "/proc/self/exe\0"u8;
        // SAFETY: both buffers are pinned for the call; argv's pointers point into the pinned NUL-separated
        // cmdline and the array ends with a null pointer as execv requires. On success execv never returns.
        fixed (byte* arguments = commandLine)
        fixed (byte* pathPointer = path)
        {
            var argv = stackalloc byte*[starts.Count + 1];
            for (var i = 0; i < starts.Count; i++)
            {
                argv[i] = arguments + starts[i];
            }
            argv[starts.Count] = null;
            _ = Libc.Execv(pathPointer, argv);
        }
    }
}

using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Throttling;

/// <summary>
/// Processes the throttler never touches (invariant 5): PID 1, kernel threads, the agent and its sentinel,
/// and whatever the configuration or the host's policy names, by pid or by command.
/// </summary>
public sealed class ProtectionPolicy
{
    private readonly HashSet<int> _pids;
    private readonly HashSet<string> _commands;

    public ProtectionPolicy(IEnumerable<int>? pids = null, IEnumerable<string>? commands = null)
    {
        _pids = [1, Environment.ProcessId, .. pids ?? []];
        _commands = new HashSet<string>(commands ?? [], StringComparer.Ordinal);
    }

    /// <summary>Also protects <paramref name="pid"/> (the sentinel, once started).</summary>
    public void AddPid(int pid)
    {
        lock (_pids)
        {
            _pids.Add(pid);
        }
    }

    /// <summary>A copy with more protected pids and commands (a host policy adds to the configured list, never removes).</summary>
    public ProtectionPolicy With(IEnumerable<int> pids, IEnumerable<string> commands)
    {
        lock (_pids)
        {
            return new ProtectionPolicy([.. _pids, .. pids], [.. _commands, .. commands]);
        }
    }

    /// <summary>Null when <paramref name="pid"/> may be throttled, else why not.</summary>
    public string? WhyProtected(ProcFsPaths paths, int pid)
    {
        lock (_pids)
        {
            if (_pids.Contains(pid))
            {
                return pid == 1 ? "init" : pid == Environment.ProcessId ? "the agent itself" : "protected by configuration";
            }
        }
        if (!ProcessIdentity.TryRead(paths, pid, out _, out var stat))
        {
            return "gone";
        }
        if (stat.IsKernelThread || pid == 2 || stat.ParentPid == 2)
        {
            return "a kernel thread";
        }
        return _commands.Contains(stat.Command) ? $"command {stat.Command} is protected" : null;
    }
}

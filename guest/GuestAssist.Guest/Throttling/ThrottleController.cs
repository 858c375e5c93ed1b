namespace GuestAssist.Guest.Throttling;

/// <summary>
/// Holds each rogue's dirty rate at its share of the budget. The budget is split evenly between the processes
/// that exceed it: with n rogues each gets budget / n (processes below their share are left alone, and what they
/// dirty is not taken out: the host's budget already leaves room for background writers). A throttled process's
/// rate scales with its duty (SIGSTOP/SIGCONT duty cycling does), so the next duty is the current one times
/// share / measured rate, damped by half a step and bounded below by the minimum duty. A process is throttled
/// once it exceeds share × (1 + hysteresis) and released once it would run at full duty below share × (1 − hysteresis).
/// </summary>
public sealed class ThrottleController
{
    private readonly Dictionary<int, double> _duties = [];

    /// <summary>Takes one window of rates; returns the duties to apply (only processes that are or become throttled).</summary>
    public IReadOnlyDictionary<int, double> Update(ThrottlePolicy policy, IReadOnlyList<DirtyRateSample> samples)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(samples);
        var budget = Math.Max(1, policy.BudgetBytesPerSecond);
        // Estimated full-speed rate: measured / duty for throttled processes.
        var unthrottled = samples.ToDictionary(s => s.Pid, s => s.BytesPerSecond / _duties.GetValueOrDefault(s.Pid, 1));
        var rogues = unthrottled.Where(p => _duties.ContainsKey(p.Key) || p.Value > budget * (1 + policy.Hysteresis)).Select(p => p.Key).ToList();
        var share = budget / Math.Max(1, rogues.Count);
        foreach (var pid in _duties.Keys.Except(unthrottled.Keys).ToList())
        {
            _duties.Remove(pid); // no sample: it exited (the throttler releases it)
        }
        foreach (var pid in rogues)
        {
            var full = unthrottled[pid];
            var current = _duties.GetValueOrDefault(pid, 1);
            if (_duties.ContainsKey(pid) && full < share * (1 - policy.Hysteresis))
            {
                _duties.Remove(pid);
                continue;
            }
            var target = Math.Clamp(share / Math.Max(1, full), policy.MinimumDuty, 1);
            var next = _duties.ContainsKey(pid) ? Math.Clamp(Math.Sqrt(current * target), policy.MinimumDuty, 1) : target;
            if (next >= 1)
            {
                _duties.Remove(pid);
                continue;
            }
            _duties[pid] = next;
        }
        return new Dictionary<int, double>(_duties);
    }

    public void Forget(int pid) => _duties.Remove(pid);

    public void Clear() => _duties.Clear();
}

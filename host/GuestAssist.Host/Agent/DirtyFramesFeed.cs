using System.Diagnostics;
using System.Reactive.Subjects;
using GuestAssist.Host.DirtyLog;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Agent;

/// <summary>
/// Feeds the guest agent the host's own dirty log during an eviction: every <c>interval</c> it takes the frames
/// the guest wrote since the last tick (<see cref="UffdWriteTracker.CollectWindow"/>) and sends them as
/// DirtyFrames, so the agent can attribute and throttle on any guest kernel, soft-dirty or not. Who dirtied what
/// comes back on <see cref="Attributions"/>. Stops on dispose; an agent that stops answering ends the stream with
/// the error and the migration goes on without throttling.
/// </summary>
public sealed class DirtyFramesFeed : IAsyncDisposable
{
    private readonly Subject<DirtyAttribution> _attributions = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private DirtyFramesFeed(AgentClient client, ulong sessionId, Func<IReadOnlyList<(ulong FirstGfn, ulong Count)>> window, TimeSpan interval, double holdBelowFramesPerSecond, Func<CancellationToken, Task>? beforeFirstWindow)
    {
        _loop = Task.Run(() => RunAsync(client, sessionId, window, interval, holdBelowFramesPerSecond, beforeFirstWindow, _stop.Token));
    }

    /// <summary>Who dirtied each window's frames, per process, and what no process owns.</summary>
    public IObservable<DirtyAttribution> Attributions => _attributions;

    /// <summary>Windows sent so far.</summary>
    public long WindowsSent { get; private set; }

    /// <summary>Windows kept back because the guest had not yet dirtied at the hold-back rate over two windows in a row.</summary>
    public long WindowsHeld { get; private set; }

    /// <summary>Starts feeding <paramref name="tracker"/>'s windows to the agent for eviction session <paramref name="sessionId"/>.</summary>
    /// <param name="client">The agent.</param>
    /// <param name="sessionId">The eviction session the windows belong to.</param>
    /// <param name="tracker">The host's dirty log of the guest.</param>
    /// <param name="interval">How often a window goes.</param>
    /// <param name="holdBelowFramesPerSecond">
    /// Until two windows in a row each dirtied at least this many frames per second, windows are kept
    /// back: nobody needs throttling, and attributing frames to processes costs the guest a walk of every process's
    /// pagemap. One window's burst (a process starting, the agent's own map) is not a rate the link has to carry, much
    /// as QEMU's auto-converge throttles only on the second period over its threshold. From then on every window goes
    /// (the throttler needs each). 0 sends every window.
    /// </param>
    /// <param name="beforeFirstWindow">Runs once before the first window goes (e.g. the throttle policy it drives).</param>
    public static DirtyFramesFeed Start(AgentClient client, ulong sessionId, UffdWriteTracker tracker, TimeSpan interval, double holdBelowFramesPerSecond = 0, Func<CancellationToken, Task>? beforeFirstWindow = null)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        return Start(client, sessionId, tracker.CollectWindow, interval, holdBelowFramesPerSecond, beforeFirstWindow);
    }

    /// <summary>Starts feeding windows from any dirty log that can say what was written since it was last asked.</summary>
    /// <param name="client">The agent.</param>
    /// <param name="sessionId">The eviction session the windows belong to.</param>
    /// <param name="window">The frames written since the last call.</param>
    /// <param name="interval">How often a window goes.</param>
    /// <param name="holdBelowFramesPerSecond">As for the tracker overload: windows are kept back until two in a row reach this rate.</param>
    /// <param name="beforeFirstWindow">Runs once before the first window goes.</param>
    public static DirtyFramesFeed Start(AgentClient client, ulong sessionId, Func<IReadOnlyList<(ulong FirstGfn, ulong Count)>> window, TimeSpan interval, double holdBelowFramesPerSecond = 0, Func<CancellationToken, Task>? beforeFirstWindow = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(window);
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "the feed interval must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(holdBelowFramesPerSecond);
        return new DirtyFramesFeed(client, sessionId, window, interval, holdBelowFramesPerSecond, beforeFirstWindow);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _attributions.Dispose();
    }

    private async Task RunAsync(AgentClient client, ulong sessionId, Func<IReadOnlyList<(ulong FirstGfn, ulong Count)>> window, TimeSpan interval, double holdBelowFramesPerSecond, Func<CancellationToken, Task>? beforeFirstWindow, CancellationToken cancellationToken)
    {
        // The first window starts now: what was written before it is not a rate.
        window();
        var since = Stopwatch.GetTimestamp();
        var previousReached = false;
        try
        {
            while (true)
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
                var runs = window();
                var elapsed = Stopwatch.GetElapsedTime(since);
                since = Stopwatch.GetTimestamp();
                if (WindowsSent == 0 && holdBelowFramesPerSecond > 0)
                {
                    var reached = runs.Sum(r => (double)r.Count) / elapsed.TotalSeconds >= holdBelowFramesPerSecond;
                    var sustained = reached && previousReached;
                    previousReached = reached;
                    if (!sustained)
                    {
                        WindowsHeld++;
                        continue;
                    }
                }
                if (WindowsSent == 0 && beforeFirstWindow is not null)
                {
                    await beforeFirstWindow(cancellationToken).ConfigureAwait(false);
                }
                var attribution = await client.SendDirtyFramesAsync(sessionId, runs, elapsed, cancellationToken).ConfigureAwait(false);
                WindowsSent++;
                _attributions.OnNext(attribution);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _attributions.OnCompleted();
        }
        catch (Exception e) when (e is IOException or GuestAssist.Protocol.Framing.ProtocolException or GuestAssist.Protocol.Connections.RemoteErrorException or TimeoutException or ObjectDisposedException)
        {
            _attributions.OnError(e);
        }
    }
}

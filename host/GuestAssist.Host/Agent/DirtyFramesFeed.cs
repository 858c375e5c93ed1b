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
    private readonly AgentClient _client;
    private readonly ulong _sessionId;
    private readonly TimeSpan _interval;
    private readonly double _holdBelowFramesPerSecond;
    private Func<CancellationToken, Task>? _beforeFirstWindow;

    private DirtyFramesFeed(AgentClient client, ulong sessionId, Func<IReadOnlyList<(ulong FirstGfn, ulong Count)>> window, Func<double>? estimateWhileHeld, TimeSpan interval, double holdBelowFramesPerSecond, Func<CancellationToken, Task>? beforeFirstWindow)
    {
        _client = client;
        _sessionId = sessionId;
        _interval = interval;
        _holdBelowFramesPerSecond = holdBelowFramesPerSecond;
        _beforeFirstWindow = beforeFirstWindow;
        _loop = Task.Run(() => RunAsync(window, estimateWhileHeld, _stop.Token));
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
    /// (the throttler needs each). 0 sends every window. While held, the rate is estimated from a sample of the frames
    /// (<see cref="UffdWriteTracker.SampleWindow"/>), so watching it costs the guest little.
    /// </param>
    /// <param name="beforeFirstWindow">Runs once before the first window goes (e.g. the throttle policy it drives).</param>
    public static DirtyFramesFeed Start(AgentClient client, ulong sessionId, UffdWriteTracker tracker, TimeSpan interval, double holdBelowFramesPerSecond = 0, Func<CancellationToken, Task>? beforeFirstWindow = null)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        return Start(client, sessionId, tracker.CollectWindow, interval, holdBelowFramesPerSecond, beforeFirstWindow, tracker.SampleWindow);
    }

    /// <summary>Starts feeding windows from any dirty log that can say what was written since it was last asked.</summary>
    /// <param name="client">The agent.</param>
    /// <param name="sessionId">The eviction session the windows belong to.</param>
    /// <param name="window">The frames written since the last call.</param>
    /// <param name="interval">How often a window goes.</param>
    /// <param name="holdBelowFramesPerSecond">As for the tracker overload: windows are kept back until two in a row reach this rate.</param>
    /// <param name="beforeFirstWindow">Runs once before the first window goes.</param>
    /// <param name="estimateWhileHeld">
    /// Frames written since its last call, estimated more cheaply than a whole window (<see cref="UffdWriteTracker.SampleWindow"/>),
    /// to judge the rate by while windows are held; the first whole window then starts when the hold ends. Null: held
    /// windows are judged by <paramref name="window"/> itself and the one that ends the hold is sent.
    /// </param>
    public static DirtyFramesFeed Start(AgentClient client, ulong sessionId, Func<IReadOnlyList<(ulong FirstGfn, ulong Count)>> window, TimeSpan interval, double holdBelowFramesPerSecond = 0, Func<CancellationToken, Task>? beforeFirstWindow = null, Func<double>? estimateWhileHeld = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(window);
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "the feed interval must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(holdBelowFramesPerSecond);
        return new DirtyFramesFeed(client, sessionId, window, estimateWhileHeld, interval, holdBelowFramesPerSecond, beforeFirstWindow);
    }

    private async Task BeforeFirstWindowAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _beforeFirstWindow, null) is { } before)
        {
            await before(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
        _attributions.Dispose();
    }

    private async Task RunAsync(Func<IReadOnlyList<(ulong FirstGfn, ulong Count)>> window, Func<double>? estimateWhileHeld, CancellationToken cancellationToken)
    {
        var holding = _holdBelowFramesPerSecond > 0;
        var sampling = holding && estimateWhileHeld is not null;
        var previousReached = false;
        bool Sustained(double frames, TimeSpan elapsed)
        {
            var reached = frames / elapsed.TotalSeconds >= _holdBelowFramesPerSecond;
            var sustained = reached && previousReached;
            previousReached = reached;
            return sustained;
        }

        // The first window starts now: what was written before it is not a rate.
        if (sampling)
        {
            estimateWhileHeld!();
        }
        else
        {
            window();
        }
        var since = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                await Task.Delay(_interval, cancellationToken).ConfigureAwait(false);
                if (sampling)
                {
                    var estimate = estimateWhileHeld!();
                    var sampled = Stopwatch.GetElapsedTime(since);
                    since = Stopwatch.GetTimestamp();
                    if (!Sustained(estimate, sampled))
                    {
                        WindowsHeld++;
                        continue;
                    }
                    sampling = holding = false;
                    await BeforeFirstWindowAsync(cancellationToken).ConfigureAwait(false);
                    // The sample protected only its own frames again: the first whole window starts now.
                    window();
                    since = Stopwatch.GetTimestamp();
                    continue;
                }
                var runs = window();
                var elapsed = Stopwatch.GetElapsedTime(since);
                since = Stopwatch.GetTimestamp();
                if (holding)
                {
                    if (!Sustained(runs.Sum(r => (double)r.Count), elapsed))
                    {
                        WindowsHeld++;
                        continue;
                    }
                    holding = false;
                }
                await BeforeFirstWindowAsync(cancellationToken).ConfigureAwait(false);
                var attribution = await _client.SendDirtyFramesAsync(_sessionId, runs, elapsed, cancellationToken).ConfigureAwait(false);
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

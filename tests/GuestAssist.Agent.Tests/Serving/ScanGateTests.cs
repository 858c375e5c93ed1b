using GuestAssist.Agent.Serving;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Tests.Serving;

public sealed class ScanGateTests
{
    [Fact]
    public async Task Scans_run_one_at_a_time_and_the_queue_is_bounded()
    {
        using var gate = new ScanGate(maxQueued: 1);
        var release = new TaskCompletionSource();
        var running = 0;
        var maxRunning = 0;
        async ValueTask<int> Scan(CancellationToken token)
        {
            maxRunning = Math.Max(maxRunning, Interlocked.Increment(ref running));
            await release.Task.WaitAsync(token);
            Interlocked.Decrement(ref running);
            return 1;
        }

        var first = gate.RunAsync(Scan, CancellationToken.None).AsTask();
        var second = gate.RunAsync(Scan, CancellationToken.None).AsTask();
        var refused = await Assert.ThrowsAsync<ProtocolException>(() => gate.RunAsync(Scan, CancellationToken.None).AsTask());
        release.SetResult();
        await Task.WhenAll(first, second);

        Assert.Equal(ErrorCode.Busy, refused.Code);
        Assert.Equal(1, maxRunning);
        Assert.Equal(0, gate.Admitted);
    }

    [Fact]
    public async Task A_failing_scan_releases_the_gate()
    {
        using var gate = new ScanGate(maxQueued: 0);

        await Assert.ThrowsAsync<IOException>(() => gate.RunAsync<int>(_ => throw new IOException("kpageflags vanished"), CancellationToken.None).AsTask());
        var next = await gate.RunAsync(_ => ValueTask.FromResult(7), CancellationToken.None);

        Assert.Equal(7, next);
    }
}

using GuestAssist.Linux.Transports.Serial;

namespace GuestAssist.Linux.Tests.Transports.Serial;

/// <summary>
/// Waiting for the host on a port, through a pty: the controller side plays the host. A closed controller
/// hangs the terminal up (POLLHUP, level-triggered), the state virtio-serial reports while no host is
/// connected. A pty cannot be re-connected once hung up, so the wakeup on a new host connection itself is
/// exercised only on a real virtio port (the guest rig); here: no spin, immediate return, cancellation.
/// </summary>
public class SerialHostWaitTests
{
    [Fact]
    public async Task With_the_host_side_open_the_wait_returns_at_once()
    {
        using var pty = PseudoTerminal.Open();
        await using var port = SerialPortStream.Open(pty.TerminalPath);

        Assert.True(port.IsHostConnected);
        await port.WaitForHostAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, port.HostWaitWakeups);
    }

    [Fact]
    public async Task With_the_host_side_gone_the_wait_sleeps_without_spinning_until_cancelled()
    {
        var pty = PseudoTerminal.Open();
        await using var port = SerialPortStream.Open(pty.TerminalPath);
        pty.Dispose();
        using var cancel = new CancellationTokenSource();

        Assert.False(port.IsHostConnected);
        var waiting = port.WaitForHostAsync(cancel.Token);
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted);
        var wakeups = port.HostWaitWakeups;
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        // A level-triggered poll on POLLHUP would have looped hundreds of thousands of times in 500 ms.
        Assert.InRange(wakeups, 0, 2);
    }

    [Fact]
    public async Task Disposing_the_port_ends_a_host_wait()
    {
        var pty = PseudoTerminal.Open();
        var port = SerialPortStream.Open(pty.TerminalPath);
        pty.Dispose();
        var waiting = port.WaitForHostAsync(CancellationToken.None);
        await Task.Delay(100);

        await port.DisposeAsync();

        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}

using GuestAssist.Linux.Transports;
using GuestAssist.Linux.Transports.Serial;

namespace GuestAssist.Linux.Tests.Transports.Serial;

/// <summary>virtio-serial through a pty pair (a character device that behaves like a port, plus a tty layer).</summary>
public class SerialPortTransportTests
{
    [Fact]
    public async Task Carries_binary_bytes_both_ways_unchanged()
    {
        using var pty = PseudoTerminal.Open();
        await using var port = await TransportEndpoint.Create($"serial:{pty.TerminalPath}").ConnectAsync(CancellationToken.None);
        Assert.IsType<SerialPortStream>(port);

        // 64 KiB is far more than the pty buffers hold: both directions have to wait for room (poll).
        var toGuest = StreamAssert.Payload(64 * 1024);
        var received = StreamAssert.ReadExactlyAsync(port, toGuest.Length);
        await pty.Controller.WriteAsync(toGuest).AsTask().WaitAsync(StreamAssert.Bound);
        Assert.Equal(toGuest, await received);

        var toHost = StreamAssert.Payload(64 * 1024);
        var echoed = StreamAssert.ReadExactlyAsync(pty.Controller, toHost.Length);
        await port.WriteAsync(toHost).AsTask().WaitAsync(StreamAssert.Bound);
        Assert.Equal(toHost, await echoed);
    }

    [Fact]
    public void Synchronous_reads_and_writes_work_too()
    {
        using var pty = PseudoTerminal.Open();
        using var port = SerialPortStream.Open(pty.TerminalPath);

        port.Write([1, 2, 3, (byte)'\n']);
        var fromPort = new byte[4];
        pty.Controller.ReadExactly(fromPort);
        pty.Controller.Write([9, (byte)'\r']);
        var fromController = new byte[2];
        port.ReadExactly(fromController);

        Assert.Equal(new byte[] { 1, 2, 3, (byte)'\n' }, fromPort);
        Assert.Equal(new byte[] { 9, (byte)'\r' }, fromController);
    }

    [Fact]
    public async Task A_pending_read_ends_on_cancellation()
    {
        using var pty = PseudoTerminal.Open();
        await using var port = SerialPortStream.Open(pty.TerminalPath);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        var read = port.ReadAsync(new byte[16], cancel.Token).AsTask();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read.WaitAsync(StreamAssert.Bound));
    }

    [Fact]
    public async Task The_stream_stays_usable_after_a_cancelled_read()
    {
        using var pty = PseudoTerminal.Open();
        await using var port = SerialPortStream.Open(pty.TerminalPath);
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => port.ReadAsync(new byte[16], cancel.Token).AsTask());
        }

        var received = StreamAssert.ReadExactlyAsync(port, 3);
        await pty.Controller.WriteAsync(new byte[] { 7, 8, 9 });

        Assert.Equal(new byte[] { 7, 8, 9 }, await received);
    }

    [Fact]
    public async Task Dispose_ends_a_pending_read()
    {
        using var pty = PseudoTerminal.Open();
        var port = SerialPortStream.Open(pty.TerminalPath);
        var read = port.ReadAsync(new byte[16]).AsTask();
        await Task.Delay(50);

        await port.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => read.WaitAsync(StreamAssert.Bound));
    }

    [Fact]
    public async Task The_host_side_hanging_up_reads_as_end_of_stream()
    {
        var pty = PseudoTerminal.Open();
        await using var port = SerialPortStream.Open(pty.TerminalPath);

        pty.Dispose();

        Assert.Equal(0, await port.ReadAsync(new byte[16]).AsTask().WaitAsync(StreamAssert.Bound));
    }

    [Fact]
    public void A_character_device_that_is_not_a_terminal_opens_as_is()
    {
        using var zero = SerialPortStream.Open("/dev/zero");
        var buffer = new byte[] { 1, 2, 3 };

        zero.ReadExactly(buffer);
        zero.Write(buffer);

        Assert.Equal(new byte[3], buffer);
    }

    [Fact]
    public async Task A_missing_port_names_the_device()
    {
        var error = await Assert.ThrowsAsync<TransportException>(async () =>
            await TransportEndpoint.Create("serial:org.guestassist.missing").ConnectAsync(CancellationToken.None));

        Assert.Equal(TransportFailure.NotFound, error.Failure);
        Assert.Equal(
            "open serial:/dev/virtio-ports/org.guestassist.missing failed: /dev/virtio-ports/org.guestassist.missing does not exist (is a virtio-serial port with that name configured for this VM?)",
            error.Message);
    }

    [Fact]
    public void A_serial_port_cannot_listen()
    {
        var error = Assert.Throws<TransportException>(() => TransportEndpoint.Create("serial:x").Listen());

        Assert.Equal(TransportFailure.NotSupported, error.Failure);
    }
}

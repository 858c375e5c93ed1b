using System.Diagnostics;
using System.Globalization;

namespace GuestAssist.GuestRig.Tests.Qemu;

/// <summary>
/// One QEMU TCG guest whose RAM is a shared file in /dev/shm (file offset = GPA for -machine pc up to
/// 3 GiB), with its serial console captured into <see cref="Console"/> and a virtio-serial port `rig`
/// whose host end receives the guest's results. Disposing kills QEMU and deletes the RAM file and socket.
/// </summary>
public sealed class QemuGuest : IAsyncDisposable
{
    private const string HostNice = "-5";

    private readonly Process _process;
    private readonly Task<byte[]> _results;
    private readonly CancellationTokenSource _stop;
    private readonly string _socketPath;

    private QemuGuest(Process process, string ramFile, string socketPath, ConsoleLog console, long memoryBytes, CancellationTokenSource stop)
    {
        _process = process;
        RamFile = ramFile;
        _socketPath = socketPath;
        Console = console;
        MemoryBytes = memoryBytes;
        _stop = stop;
        _results = ResultReceiver.ReceiveAsync(socketPath, stop.Token);
    }

    public ConsoleLog Console { get; }

    public string RamFile { get; }

    public long MemoryBytes { get; }

    public static QemuGuest Start(QemuGuestOptions options)
    {
        var unique = string.Create(CultureInfo.InvariantCulture, $"guestassist-rig-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var ramFile = Path.Combine("/dev/shm", unique);
        var socketPath = Path.Combine(options.WorkDirectory, "rig.sock");
        var memory = string.Create(CultureInfo.InvariantCulture, $"{options.MemoryMiB}M");
        // The rig's guests share two cores with the other test assemblies. Under TCG a guest whose vCPU thread waits
        // on the host's run queue still sees its clock run, so whatever it measures in CPU time (the agent's
        // monitoring share, HeatCostTests) grows with the host's load. A raised priority gives the vCPU what a
        // hypervisor gives a guest: it is not preempted by whatever else this machine runs.
        var start = new ProcessStartInfo("nice")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-n", HostNice, "qemu-system-x86_64",
            "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", memory,
            "-machine", "pc,memory-backend=ram0",
            "-object", $"memory-backend-file,id=ram0,size={memory},mem-path={ramFile},share=on",
            "-kernel", options.Vmlinux, "-initrd", options.Initramfs, "-append", options.KernelArguments,
            "-nographic", "-nic", "none", "-no-reboot",
            "-device", "virtio-serial-pci",
            "-chardev", $"socket,id=c0,path={socketPath},server=on,wait=off",
            "-device", "virtserialport,chardev=c0,name=rig",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var console = new ConsoleLog();
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                console.Close("QEMU's stdout ended");
            }
            else
            {
                console.Append(console.Stamp(e.Data));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                console.Append(console.Stamp("qemu stderr: " + e.Data));
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException("could not start qemu-system-x86_64");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new QemuGuest(process, ramFile, socketPath, console, (long)options.MemoryMiB << 20, new CancellationTokenSource());
    }

    /// <summary>Waits for the guest's result tar and unpacks it into <paramref name="directory"/>.</summary>
    public async Task ReceiveResultsAsync(string directory, TimeSpan timeout)
    {
        var finished = await Task.WhenAny(_results, Task.Delay(timeout));
        if (finished != _results)
        {
            throw new TimeoutException($"the guest did not send its results over the rig port within {timeout.TotalSeconds:0} s");
        }
        ResultReceiver.Unpack(await _results, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            // QEMU did not die within 20 s of SIGKILL; nothing more to do from here.
        }
        catch (InvalidOperationException)
        {
            // never started
        }
        try
        {
            await _results;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            // the receiver ends with the guest
        }
        File.Delete(RamFile);
        File.Delete(_socketPath);
        _process.Dispose();
        _stop.Dispose();
    }
}

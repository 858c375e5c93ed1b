using System.Diagnostics;
using System.Globalization;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>A running QEMU 10 of a migration run: its console (timed), its QMP, its process. Disposing kills it.</summary>
public sealed class MigrationQemu : IAsyncDisposable
{
    private readonly Process _process;

    private MigrationQemu(MigrationQemuOptions options, Process process, TimedConsole console)
    {
        Options = options;
        _process = process;
        Console = console;
    }

    public MigrationQemuOptions Options { get; }

    public TimedConsole Console { get; }

    public QmpClient? Qmp { get; private set; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public static async Task<MigrationQemu> StartAsync(MigrationQemuOptions options)
    {
        var memory = string.Create(CultureInfo.InvariantCulture, $"{options.MemoryMiB}M");
        var arguments = new List<string>
        {
            "-L", Path.Combine(options.QemuDirectory, "root", "usr", "share", "qemu"), "-L", "/usr/share/seabios",
            "-name", $"{options.Name},debug-threads=on",
            "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", memory,
            "-machine", "pc,memory-backend=ram0",
            "-object", $"memory-backend-file,id=ram0,size={memory},mem-path={options.RamFile},share=on",
            "-kernel", options.Vmlinux, "-initrd", options.Initramfs, "-append", options.KernelArguments,
            "-nographic", "-nic", "none", "-no-reboot", "-audio", "none",
            "-device", "virtio-serial-pci",
            "-chardev", $"socket,id=agent,path={options.AgentSocket},server=on,wait=off",
            "-device", "virtserialport,chardev=agent,name=guestassist",
            "-drive", $"file={options.Disk},if=virtio,format=raw,readonly=on",
            "-qmp", $"unix:{options.QmpSocket},server=on,wait=off",
        };
        if (options.Incoming)
        {
            arguments.AddRange(["-incoming", "defer"]);
        }
        var start = options.NetworkNamespace is { } ns
            ? new ProcessStartInfo("ip") { ArgumentList = { "netns", "exec", ns, options.Binary } }
            : new ProcessStartInfo(options.Binary);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        foreach (var (key, value) in options.Environment)
        {
            start.Environment[key] = value;
        }
        File.Delete(options.QmpSocket);
        File.Delete(options.AgentSocket);
        var console = new TimedConsole();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                console.Close();
            }
            else
            {
                console.Append(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                console.Append("qemu stderr: " + e.Data);
            }
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {options.Binary}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var qemu = new MigrationQemu(options, process, console);
        try
        {
            qemu.Qmp = await QmpClient.ConnectAsync(options.QmpSocket, TimeSpan.FromSeconds(20));
            await CpuPlacement.PlaceAsync(process.Id);
        }
        catch
        {
            await qemu.DisposeAsync();
            throw;
        }
        return qemu;
    }

    /// <summary>Types a line on the guest's serial console.</summary>
    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Qmp is not null)
        {
            await Qmp.DisposeAsync();
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // never started, or did not die within 20 s of SIGKILL
        }
        _process.Dispose();
        File.Delete(Options.QmpSocket);
        File.Delete(Options.AgentSocket);
    }
}

using System.Text.RegularExpressions;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Building;

/// <summary>
/// Packs a guest's initramfs (uncompressed newc cpio: fastest under TCG): busybox-static with a link per
/// applet, the agent's .deb unpacked with dpkg-deb as an install would lay it out (/usr/sbin, /etc/guestassist,
/// the unit, the man page) with the shared libraries `ldd` lists, rigload, the kernel's virtio
/// modules, an /init and the scenario script. /init mounts the pseudo file systems, loads the modules,
/// links /dev/virtio-ports/NAME (udev's job), runs /scenario.sh, sends /out as a tar over the rig port
/// (`SIZE n` then n bytes), prints RIG-DONE and sleeps so the workloads stay alive for the RAM scan.
/// </summary>
public static partial class InitramfsBuilder
{
    public const string BusyboxPath = "/bin/busybox";

    /// <summary>6.1 needs them in this order; 6.12 has all but virtio_blk built in.</summary>
    public static readonly string[] ModuleOrder = ["virtio_ring", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio", "virtio_pci", "virtio_console", "virtio_blk"];

    public const string PortName = "rig";

    /// <summary>Packs the image; <paramref name="extraPrograms"/> are more static programs for /bin under their own names (the migration benchmark's migload).</summary>
    public static async Task<string> BuildAsync(string workDirectory, string kernelDirectory, string agentPackage, string rigloadBinary, string scenarioScript, IReadOnlyList<string>? extraPrograms = null)
    {
        var root = Path.Combine(workDirectory, "rootfs");
        foreach (var dir in new[] { "bin", "sbin", "proc", "sys", "dev", "run", "tmp", "out", "lib/modules", "lib64", "etc" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }
        File.Copy(BusyboxPath, Path.Combine(root, "bin", "busybox"));
        var applets = await CommandRunner.RunCheckedAsync(BusyboxPath, ["--list"], TimeSpan.FromSeconds(10));
        foreach (var applet in applets.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var link = Path.Combine(root, "bin", applet);
            if (applet != "busybox" && !File.Exists(link))
            {
                File.CreateSymbolicLink(link, "busybox");
            }
        }
        await CommandRunner.RunCheckedAsync("dpkg-deb", ["-x", agentPackage, root], TimeSpan.FromMinutes(1));
        await CopySharedLibrariesAsync(Path.Combine(root, AgentPackager.InstalledBinary.TrimStart('/')), root);
        File.Copy(rigloadBinary, Path.Combine(root, "bin", "rigload"));
        foreach (var program in extraPrograms ?? [])
        {
            File.Copy(program, Path.Combine(root, "bin", Path.GetFileName(program)));
        }
        var modules = Path.Combine(kernelDirectory, "modules");
        foreach (var module in ModuleOrder)
        {
            var file = Path.Combine(modules, module + ".ko");
            if (File.Exists(file))
            {
                File.Copy(file, Path.Combine(root, "lib", "modules", module + ".ko"));
            }
        }
        WriteExecutable(Path.Combine(root, "init"), InitScript);
        WriteExecutable(Path.Combine(root, "scenario.sh"), scenarioScript);
        var cpio = Path.Combine(workDirectory, "initramfs.cpio");
        await CommandRunner.RunCheckedAsync("bash", ["-c", $"find . | LC_ALL=C sort | cpio --quiet -o -H newc > '{cpio}'"], TimeSpan.FromMinutes(2), root);
        Directory.Delete(root, recursive: true);
        return cpio;
    }

    private static async Task CopySharedLibrariesAsync(string binary, string root)
    {
        var listing = await CommandRunner.RunCheckedAsync("ldd", [binary], TimeSpan.FromSeconds(10));
        foreach (Match match in LibraryPath().Matches(listing))
        {
            var library = match.Groups["path"].Value;
            var target = Path.Combine(root, library.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (!File.Exists(target))
            {
                File.Copy(library, target); // follows symlinks: the image gets the real file under the linked name
            }
        }
    }

    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n"));
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }

    [GeneratedRegex(@"(?<path>/[^\s]+\.so[^\s]*) \(0x", RegexOptions.CultureInvariant)]
    private static partial Regex LibraryPath();

    private static string InitScript => $$"""
        #!/bin/sh
        export PATH=/bin
        mount -t proc proc /proc
        mount -t sysfs sysfs /sys
        mount -t devtmpfs devtmpfs /dev
        mount -t tmpfs tmpfs /run
        mount -t tmpfs tmpfs /tmp
        for m in {{string.Join(' ', ModuleOrder)}}; do
          [ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko
        done
        mkdir -p /dev/virtio-ports
        i=0
        while [ $i -lt 100 ] && ! ls /sys/class/virtio-ports/*/name >/dev/null 2>&1; do usleep 100000; i=$((i+1)); done
        for p in /sys/class/virtio-ports/*; do
          [ -f $p/name ] && ln -sf /dev/${p##*/} /dev/virtio-ports/$(cat $p/name)
        done
        echo "RIG-INIT $(cat /proc/uptime)"
        sh /scenario.sh
        echo "RIG-SCENARIO-EXIT $? $(cat /proc/uptime)"
        tar -cf /out.tar -C /out .
        n=$(wc -c < /out.tar)
        { echo "SIZE $n"; cat /out.tar; } > /dev/virtio-ports/{{PortName}}
        echo "RIG-DONE $(cat /proc/uptime)"
        while true; do sleep 3600; done
        """;
}

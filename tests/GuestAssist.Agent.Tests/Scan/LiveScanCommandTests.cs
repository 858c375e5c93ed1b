using System.Text.Json;
using GuestAssist.Agent.Scan;
using GuestAssist.Guest.ProcFs;
using Spectre.Console;

namespace GuestAssist.Agent.Tests.Scan;

public sealed class LiveScanCommandTests
{
    [RootFact]
    public async Task Scan_json_on_this_machine_agrees_with_the_kernels_counters()
    {
        var before = KernelCountersReader.Read(ProcFsPaths.Live);
        using var stdout = new MemoryStream();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) });

        var exit = await ScanRunner.RunAsync(new ScanOptions { Json = true }, stdout, console, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout.ToArray());
        var root = json.RootElement;
        var frames = root.GetProperty("frames").GetInt64();
        Assert.Equal(frames, root.GetProperty("classes").EnumerateObject().Sum(p => p.Value.GetInt64()));
        var kernel = root.GetProperty("kernel");
        var flags = root.GetProperty("flags");
        // Compare with the kernel's figures from just before and just after the scan (the JSON holds the latter).
        AssertWithin(flags.GetProperty("buddy").GetDouble(), before.NrFreePages, kernel.GetProperty("nr_free_pages").GetDouble(), 0.02);
        Assert.True(root.GetProperty("classes").GetProperty("free").GetDouble() >= Math.Min(before.NrFreePages, kernel.GetProperty("nr_free_pages").GetDouble()) * 0.98);
        AssertWithin(flags.GetProperty("lru_active").GetDouble(), before.Active, kernel.GetProperty("active").GetDouble(), 0.05);
        AssertWithin(flags.GetProperty("lru_inactive").GetDouble(), before.Inactive, kernel.GetProperty("inactive").GetDouble(), 0.05);
        var heat = root.GetProperty("method").GetProperty("heat").GetString();
        Assert.Equal(File.Exists("/sys/kernel/mm/page_idle/bitmap") ? "idle-tracking" : "lru-flags", heat);
    }

    private static void AssertWithin(double scanned, double kernelBefore, double kernelAfter, double tolerance) =>
        Assert.InRange(scanned, Math.Min(kernelBefore, kernelAfter) * (1 - tolerance), Math.Max(kernelBefore, kernelAfter) * (1 + tolerance) + 1);
}

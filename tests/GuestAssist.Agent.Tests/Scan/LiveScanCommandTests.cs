using System.Text.Json;
using GuestAssist.Agent.Scan;
using Spectre.Console;

namespace GuestAssist.Agent.Tests.Scan;

public sealed class LiveScanCommandTests
{
    [RootFact]
    public async Task Scan_json_on_this_machine_agrees_with_the_kernels_counters()
    {
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
        var nrFree = kernel.GetProperty("nrFreePages").GetDouble();
        Assert.InRange(flags.GetProperty("buddy").GetDouble(), nrFree * 0.98, nrFree * 1.02);
        Assert.True(root.GetProperty("classes").GetProperty("free").GetDouble() >= nrFree * 0.98);
        var active = kernel.GetProperty("active").GetDouble();
        var inactive = kernel.GetProperty("inactive").GetDouble();
        Assert.InRange(flags.GetProperty("lruActive").GetDouble(), active * 0.95, active * 1.05 + 1);
        Assert.InRange(flags.GetProperty("lruInactive").GetDouble(), inactive * 0.95, inactive * 1.05 + 1);
        var heat = root.GetProperty("method").GetProperty("heat").GetString();
        Assert.Equal(File.Exists("/sys/kernel/mm/page_idle/bitmap") ? "idle-tracking" : "lru-flags", heat);
    }
}

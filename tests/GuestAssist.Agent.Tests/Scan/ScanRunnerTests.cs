using System.Text.Json;
using GuestAssist.Agent.Scan;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;
using Spectre.Console;

namespace GuestAssist.Agent.Tests.Scan;

public sealed class ScanRunnerTests : IDisposable
{
    private readonly AgentFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private async Task<(int Exit, string Stdout, string Console, string Stderr)> RunAsync(ScanOptions options)
    {
        options = options with { ProcRoot = _fixture.ProcRoot, SysRoot = _fixture.SysRoot };
        using var stdout = new MemoryStream();
        var consoleText = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(consoleText),
        });
        console.Profile.Width = 132;
        var stderr = new StringWriter();
        var exit = await ScanRunner.RunAsync(options, stdout, console, stderr, CancellationToken.None);
        return (exit, System.Text.Encoding.UTF8.GetString(stdout.ToArray()), consoleText.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Json_has_the_documented_shape_and_counts_add_up()
    {
        var (exit, stdout, _, stderr) = await RunAsync(new ScanOptions { Json = true });

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(4096, root.GetProperty("page_size").GetInt32());
        Assert.Equal(4096, root.GetProperty("frames").GetInt64());
        Assert.Equal(3071 + 512, root.GetProperty("ram_frames").GetInt64());
        var classes = root.GetProperty("classes");
        var names = classes.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["kernel", "hot", "active", "inactive", "cache", "unproven", "free", "unbacked"], names);
        Assert.Equal(4096, classes.EnumerateObject().Sum(p => p.Value.GetInt64()));
        Assert.Equal(100, classes.GetProperty("hot").GetInt64());
        Assert.Equal(100, classes.GetProperty("inactive").GetInt64());
        Assert.Equal(100, classes.GetProperty("cache").GetInt64());
        // 512 BUDDY frames plus a blank block that MemFree − nr_free_pages (512) accounts for exactly.
        Assert.Equal(1024, classes.GetProperty("free").GetInt64());
        Assert.True(root.GetProperty("lazy_init").GetProperty("proven_free").GetBoolean());
        // The holes between RAM ranges (1 + 512 frames) are firmware's: sent with the kernel's, never unbacked.
        Assert.Equal(0, classes.GetProperty("unbacked").GetInt64());
        Assert.Equal(512, root.GetProperty("kernel").GetProperty("nr_free_pages").GetInt64());
        Assert.Equal(512, root.GetProperty("kernel").GetProperty("buddy_info_free").GetInt64());
        Assert.Equal(100, root.GetProperty("kernel").GetProperty("active").GetInt64());
        Assert.Equal("lru-flags", root.GetProperty("method").GetProperty("heat").GetString());
        var timings = root.GetProperty("timings");
        Assert.True(timings.GetProperty("total_seconds").GetDouble() >= timings.GetProperty("read_seconds").GetDouble());
        Assert.True(timings.TryGetProperty("classify_seconds", out _));
        Assert.Contains("degraded: not root", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_json_property_is_snake_case()
    {
        var (exit, stdout, _, _) = await RunAsync(new ScanOptions { Json = true, ByProcess = true });

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var names = PropertyNames(json.RootElement).ToList();
        Assert.Contains("heat_agent_cpu_seconds", names);
        Assert.Contains("heat_agent_setup_cpu_seconds", names);
        Assert.Contains("heat_agent_watch_cpu_seconds", names);
        Assert.Contains("heat_watched_seconds", names);
        Assert.Contains("ram_frames", names);
        Assert.All(names, name => Assert.Matches("^[a-z][a-z0-9_]*$", name));
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "1")]
    public async Task Redirected_output_or_NO_COLOR_gets_no_escape_sequence(bool redirected, string? noColor)
    {
        var text = new StringWriter();
        var console = Agent.Commands.TerminalConsole.Create(text, redirected, noColor);
        var options = new ScanOptions { ByProcess = true, ProcRoot = _fixture.ProcRoot, SysRoot = _fixture.SysRoot };

        var exit = await ScanRunner.RunAsync(options, Stream.Null, console, TextWriter.Null, CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Contains("kernel", text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text.ToString());
    }

    internal static IEnumerable<string> PropertyNames(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                yield return property.Name;
                foreach (var name in PropertyNames(property.Value))
                {
                    yield return name;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in element.EnumerateArray().SelectMany(PropertyNames))
            {
                yield return name;
            }
        }
    }

    [Fact]
    public async Task The_table_shows_classes_kernel_figures_and_scan_time()
    {
        var (exit, _, console, _) = await RunAsync(new ScanOptions());

        Assert.Equal(0, exit);
        foreach (var expected in new[] { "kernel", "hot", "active", "inactive", "cache", "free", "unbacked", "% of RAM", "MemTotal", "nr_free_pages", "buddyinfo sum", "Slab", "PageTables", "heat: lru-flags" })
        {
            Assert.Contains(expected, console, StringComparison.Ordinal);
        }
        Assert.Matches(@"scan: 4,096 frames \(3,583 in System RAM\) in \d+\.\d{3} s", console);
    }

    [Fact]
    public async Task Bench_prints_medians_allocations_and_the_ratio_line()
    {
        var (exit, _, console, _) = await RunAsync(new ScanOptions { Bench = true, Rounds = 3 });

        Assert.Equal(0, exit);
        Assert.Contains("raw read      median", console, StringComparison.Ordinal);
        Assert.Contains("scan+classify median", console, StringComparison.Ordinal);
        Assert.Contains("bytes allocated per rescan: median 0,", console, StringComparison.Ordinal);
        Assert.Matches(@"ratio scan/raw: \d+\.\d\d", console);
    }

    [Fact]
    public async Task Missing_kpageflags_is_one_clear_error()
    {
        File.Delete(Path.Combine(_fixture.ProcRoot, "kpageflags"));

        var (exit, stdout, _, stderr) = await RunAsync(new ScanOptions { Json = true });

        Assert.Equal(ExitCodes.Unavailable, exit);
        Assert.Empty(stdout);
        Assert.Contains("kpageflags is missing", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_file_holds_the_encoded_map_or_the_command_says_the_codec_is_missing()
    {
        var path = Path.Combine(_fixture.Root, "map.bin");
        var (exit, _, _, stderr) = await RunAsync(new ScanOptions { MapFile = path, Json = true });

        if (!CodecAvailable())
        {
            Assert.Equal(ExitCodes.Failed, exit);
            Assert.Contains("codec is not in this build", stderr, StringComparison.Ordinal);
            return;
        }
        Assert.Equal(0, exit);
        var contents = GuestAssist.Protocol.MapFiles.MapFile.Read(path);
        var map = contents.Map;
        Assert.Null(contents.RequestedAtMonotonicNs); // written in the guest: the host's request time is not known there
        Assert.Equal(4096UL, map.TotalFrames);
        Assert.Equal(100UL, map.CountOf(PageClass.Hot));
        Assert.Equal(1024UL, map.CountOf(PageClass.Free));
    }

    private static bool CodecAvailable()
    {
        try
        {
            PageClassMapCodec.EncodeRuns([new ClassRun(0, 1, PageClass.Kernel)], 0);
            return true;
        }
        catch (NotImplementedException)
        {
            return false;
        }
    }
}

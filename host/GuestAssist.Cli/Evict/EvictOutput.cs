using System.Globalization;
using System.Text.Json;
using GuestAssist.Host.EvictionSession;
using GuestAssist.Protocol.V1;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace GuestAssist.Cli.Evict;

/// <summary>
/// How `evict` shows a session: JSON lines (`--json`), a live table on a terminal, or plain lines (no ANSI) when stdout
/// is a pipe or file.
/// </summary>
internal sealed class EvictOutput(TextWriter stdout, bool json, bool terminal)
{
    private static readonly PageClass[] Classes =
    [
        PageClass.Kernel, PageClass.Hot, PageClass.Active, PageClass.Inactive, PageClass.Cache, PageClass.Unproven, PageClass.Free, PageClass.Unbacked,
    ];

    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private EvictionProgress? _latest;

    public async Task<EvictionResult> ShowAsync(Eviction eviction, Func<Task<EvictionResult>> run)
    {
        using var subscription = eviction.Progress.Subscribe(OnProgress);
        if (json || !terminal)
        {
            return await run().ConfigureAwait(false);
        }
        EvictionResult? result = null;
        await AnsiConsole.Live(Render()).AutoClear(false).StartAsync(async context =>
        {
            var running = run();
            while (await Task.WhenAny(running, Task.Delay(200)).ConfigureAwait(false) != running)
            {
                context.UpdateTarget(Render());
            }
            result = await running.ConfigureAwait(false);
            context.UpdateTarget(Render());
        }).ConfigureAwait(false);
        return result!;
    }

    public void WriteResult(EvictionResult result, int exitCode)
    {
        if (json)
        {
            var line = new EvictJsonLine
            {
                Type = "result",
                Phase = Eviction.Name(EvictionPhase.Done),
                ElapsedS = Math.Round(result.Total.TotalSeconds, 4),
                Outcome = result.Outcome.ToString().ToLowerInvariant(),
                Error = result.Error,
                ExitCode = exitCode,
                Plan = result.Plan,
                Agent = result.Agent.ToString().ToLowerInvariant(),
                LeftPaused = result.LeftPaused,
                BytesSent = result.Transfer?.TotalBytes ?? 0,
                FaultsServed = result.Transfer?.UrgentRequests ?? 0,
                SkippedFrames = result.Transfer?.SkippedFrames ?? 0,
                UrgentWait = result.Transfer is { } transfer ? EvictJsonLatency.From(transfer.UrgentWait) : null,
                ReleasedBytes = result.Transfer?.ReleasedBytes ?? 0,
                PhaseTimesS = result.PhaseTimes.ToDictionary(p => Eviction.Name(p.Phase), p => Math.Round(p.Duration.TotalSeconds, 4)),
            };
            WriteJson(line);
            return;
        }
        var times = string.Join(", ", result.PhaseTimes.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Eviction.Name(p.Phase)} {p.Duration.TotalMilliseconds:F0} ms")));
        stdout.WriteLine($"evict: {result.Outcome.ToString().ToLowerInvariant()}{(result.Error is null ? "" : $": {result.Error}")} (exit {exitCode})");
        stdout.WriteLine($"phases: {times}");
        if (result.Transfer is { } sent)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"faults at the source: {sent.UrgentWait}; source released {sent.ReleasedBytes / 1e6:F1} MB"));
        }
        stdout.Flush();
    }

    private void OnProgress(EvictionProgress progress)
    {
        if (json)
        {
            WriteJson(new EvictJsonLine
            {
                Type = "progress",
                Phase = Eviction.Name(progress.Phase),
                ElapsedS = Math.Round(progress.Elapsed.TotalSeconds, 4),
                Message = progress.Message,
                BytesSent = progress.BytesSent,
                BytesSentByClass = ByClass(progress.BytesSentByClass),
                BytesRemainingByClass = ByClass(progress.BytesRemainingByClass),
                PagesPerSecond = Math.Round(progress.PagesPerSecond, 1),
                DirtyBytesPerSecond = progress.DirtyBytesPerSecond,
                ThrottledProcesses = progress.ThrottledProcesses,
                FaultsServed = progress.FaultsServed,
                SkippedFrames = progress.SkippedFrames,
                UrgentWait = EvictJsonLatency.From(progress.UrgentWait),
                ReleasedBytes = progress.ReleasedBytes,
                Agent = progress.Agent.ToString().ToLowerInvariant(),
                Outage = progress.Outage,
                ConnectionDrops = progress.ConnectionDrops,
            });
            return;
        }
        lock (_gate)
        {
            _latest = progress;
            if (progress.Message is { } message)
            {
                _lines.Add(string.Create(CultureInfo.InvariantCulture, $"{progress.Elapsed.TotalSeconds,7:F2} s  {Eviction.Name(progress.Phase),-15} {message}"));
                if (!terminal)
                {
                    stdout.WriteLine(_lines[^1]);
                    stdout.Flush();
                }
            }
        }
    }

    private void WriteJson(EvictJsonLine line)
    {
        lock (_gate)
        {
            stdout.WriteLine(JsonSerializer.Serialize(line, EvictJsonContext.Default.EvictJsonLine));
            stdout.Flush();
        }
    }

    private static Dictionary<string, long>? ByClass(IReadOnlyList<long> values) =>
        values.Count == 0
            ? null
            : Classes.Where(c => (int)c < values.Count).ToDictionary(c => c.ToString().ToLowerInvariant(), c => values[(int)c]);

    private IRenderable Render()
    {
        lock (_gate)
        {
            var log = new Rows(_lines.TakeLast(14).Select(l => new Text(l)));
            var figures = new Table().AddColumns("phase", "sent MB", "pages/s", "faults", "fault wait p99", "skipped", "released MB", "throttled", "agent", "outage");
            if (_latest is { } p)
            {
                figures.AddRow(
                    Eviction.Name(p.Phase),
                    (p.BytesSent / 1e6).ToString("F1", CultureInfo.InvariantCulture),
                    p.PagesPerSecond.ToString("F0", CultureInfo.InvariantCulture),
                    p.FaultsServed.ToString(CultureInfo.InvariantCulture),
                    p.UrgentWait.Count == 0 ? "-" : p.UrgentWait.P99.TotalMicroseconds.ToString("F0", CultureInfo.InvariantCulture) + " µs",
                    p.SkippedFrames.ToString(CultureInfo.InvariantCulture),
                    (p.ReleasedBytes / 1e6).ToString("F1", CultureInfo.InvariantCulture),
                    p.ThrottledProcesses.ToString(CultureInfo.InvariantCulture),
                    p.Agent.ToString().ToLowerInvariant(),
                    Markup.Escape(p.Outage ?? "none"));
            }
            return new Rows(log, figures);
        }
    }
}

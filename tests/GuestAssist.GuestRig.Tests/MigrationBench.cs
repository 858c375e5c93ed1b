using System.Globalization;
using GuestAssist.GuestRig.Tests.Migration;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// Issue #13's benchmark (`./build.sh --target=Bench`, Category=MigrationBench; not part of the test suite): a real
/// Debian 6.12 guest under QEMU 10 TCG is evicted over a shaped 1 Gbit/s link by each method in turn, runs
/// interleaved, and the service's own throughput and self-check tell who recovered sooner and lost nothing.
/// GUESTASSIST_MIGRATION_RUNS (default 1), _WORKLOADS (a-kv,b-rogue,c-large; default a-kv), _METHODS (default all),
/// _WINDOW (seconds watched from the eviction's start, default 30). Output in artifacts/guest-rig/migration.
/// </summary>
[Trait("Category", "MigrationBench")]
public sealed class MigrationBench(ITestOutputHelper output)
{
    [MigrationBenchFact]
    public async Task Evict_a_real_guest_with_every_method()
    {
        var runs = int.Parse(Environment.GetEnvironmentVariable("GUESTASSIST_MIGRATION_RUNS") ?? "1", CultureInfo.InvariantCulture);
        var window = double.Parse(Environment.GetEnvironmentVariable("GUESTASSIST_MIGRATION_WINDOW") ?? "30", CultureInfo.InvariantCulture);
        var workloads = (Environment.GetEnvironmentVariable("GUESTASSIST_MIGRATION_WORKLOADS") ?? "a-kv").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => MigrationWorkload.All.FirstOrDefault(w => w.Name == n) ?? throw new FormatException($"unknown workload {n}; known: {string.Join(", ", MigrationWorkload.All.Select(w => w.Name))}")).ToList();
        var methods = Environment.GetEnvironmentVariable("GUESTASSIST_MIGRATION_METHODS") is { Length: > 0 } names
            ? names.Split(',').Select(MigrationMethods.Parse).ToList()
            : [.. MigrationMethods.All];
        var (inputs, skip) = await MigrationInputsBuilder.BuildAsync(workloads, shippedCli: true);
        if (inputs is null)
        {
            output.WriteLine($"migration benchmark skipped: {skip}");
            return;
        }
        var directory = Path.Combine(RepositoryPaths.Artifacts, "migration");
        await using var link = await ShapedLink.CreateAsync(1_000_000_000);
        var records = new List<MigrationRecord>();
        var failures = new List<string>();
        foreach (var workload in workloads)
        {
            for (var run = 1; run <= runs; run++)
            {
                foreach (var method in methods)
                {
                    try
                    {
                        var record = await MigrationRun.RunAsync(inputs, workload, method, run, link, directory, window, output.WriteLine);
                        records.Add(record);
                        output.WriteLine(MigrationReport.Table([record]).Split('\n')[1]);
                    }
                    catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
                    {
                        failures.Add($"{workload.Name} {method.Name()} run {run}: {e.Message}");
                        output.WriteLine($"FAILED {failures[^1]}");
                    }
                }
            }
        }
        await File.WriteAllTextAsync(Path.Combine(directory, "results.csv"), MigrationReport.Csv(records));
        var table = MigrationReport.Table(records);
        var ratios = MigrationReport.Ratios(records);
        await File.WriteAllTextAsync(Path.Combine(directory, "results.txt"), table + "\n" + string.Join('\n', ratios) + "\n");
        output.WriteLine(table);
        foreach (var line in ratios)
        {
            output.WriteLine(line);
        }
        foreach (var workload in workloads)
        {
            if (await MigrationReport.PlotAsync(records, workload.Name, directory, window) is { } png)
            {
                output.WriteLine($"plot: {png}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("; ", failures));
        Assert.All(records, r => Assert.True(r.IntegrityOk, $"{r.Workload} {r.Method.Name()} run {r.Run}: {r.IntegrityErrors} wrong words, {r.VerifiedPages} pages verified"));
    }
}

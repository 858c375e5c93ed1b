using System.Diagnostics;
using System.Globalization;
using GuestAssist.Host.EvictionSession;
using GuestAssist.Simulation.VirtualMachine;

namespace GuestAssist.Cli.Demo;

/// <summary>
/// Runs one demo migration as two child processes of this very CLI (hidden --role source|destination modes):
/// starts the source, waits for READY, starts the destination against it, collects both RESULT lines.
/// </summary>
public sealed class DemoOrchestrator(string executable, IReadOnlyList<string> prefixArguments)
{
    private readonly string _secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>How to start this CLI again: the single-file/apphost executable, or dotnet + guestassist.dll.</summary>
    public static DemoOrchestrator ForThisProcess()
    {
        var path = Environment.ProcessPath ?? "guestassist";
        if (Path.GetFileNameWithoutExtension(path) == "guestassist")
        {
            return new DemoOrchestrator(path, []);
        }
        var apphost = Path.Combine(AppContext.BaseDirectory, "guestassist");
        if (File.Exists(apphost))
        {
            return new DemoOrchestrator(apphost, []);
        }
        var dotnet = Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return new DemoOrchestrator(dotnet, [Path.Combine(AppContext.BaseDirectory, "guestassist.dll")]);
    }

    public DemoRun Run(DemoPolicy policy, ulong size, string link, int seed, long? cutAfter, DemoWorkload workload = DemoWorkload.Scattered, int? maxPivots = null, EvictionMode mode = EvictionMode.PostCopy)
    {
        var socket = Path.Combine(Path.GetTempPath(), $"guestassist-demo-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var common = new[] { "migrate-demo", "--size", size.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture), "--workload", Name(workload) };
        List<string> sourceArgs = [.. common, "--role", "source", "--policy", Name(policy), "--link", link, "--listen", "unix:" + socket, "--mode", mode == EvictionMode.Hybrid ? "hybrid" : "post-copy"];
        if (maxPivots is { } pivots)
        {
            sourceArgs.AddRange(["--max-pivots", pivots.ToString(CultureInfo.InvariantCulture)]);
        }
        using var source = Start(sourceArgs);
        try
        {
            var ready = source.StandardOutput.ReadLine();
            var parts = ready?.Split(' ');
            if (parts is not ["READY", var pid, var fd])
            {
                throw new InvalidOperationException($"the source process did not start: '{ready}' {source.StandardError.ReadToEnd()}");
            }
            List<string> destinationArgs = [.. common, "--role", "destination", "--connect", "unix:" + socket, "--source-pid", pid, "--source-fd", fd];
            if (cutAfter is { } n)
            {
                destinationArgs.AddRange(["--cut-after", n.ToString(CultureInfo.InvariantCulture)]);
            }
            using var destination = Start(destinationArgs);
            var destinationResult = ReadResult(destination, "destination");
            source.StandardInput.Close();
            var sourceResult = ReadResult(source, "source");
            return new DemoRun(policy, sourceResult, destinationResult, destination.ExitCode);
        }
        finally
        {
            if (!source.HasExited)
            {
                source.Kill();
            }
            File.Delete(socket);
        }
    }

    public static string Name(DemoPolicy policy) => policy switch
    {
        DemoPolicy.Enlightened => "enlightened",
        DemoPolicy.EnlightenedWithoutPrepaging => "enlightened-no-prepaging",
        DemoPolicy.EnlightenedForwardPrepaging => "enlightened-forward",
        _ => "address-order",
    };

    public static DemoPolicy Parse(string text) => text switch
    {
        "enlightened" => DemoPolicy.Enlightened,
        "enlightened-no-prepaging" => DemoPolicy.EnlightenedWithoutPrepaging,
        "enlightened-forward" => DemoPolicy.EnlightenedForwardPrepaging,
        _ => DemoPolicy.AddressOrder,
    };

    public static string Name(DemoWorkload workload) => workload == DemoWorkload.SequentialRuns ? "sequential-runs" : "scattered";

    public static DemoWorkload ParseWorkload(string text) => text == "sequential-runs" ? DemoWorkload.SequentialRuns : DemoWorkload.Scattered;

    private Process Start(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in prefixArguments.Concat(arguments))
        {
            info.ArgumentList.Add(a);
        }
        // Both roles authenticate their channels with one secret per demo run, handed over in the environment.
        info.Environment[GuestAssist.Host.Transfer.TransferSecret.EnvironmentVariable] = _secret;
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {executable}");
    }

    private static DemoResult ReadResult(Process process, string role)
    {
        var stderr = process.StandardError.ReadToEndAsync();
        DemoResult? result = null;
        string? line;
        while ((line = process.StandardOutput.ReadLine()) is not null)
        {
            if (DemoResult.TryParse(line, out var parsed))
            {
                result = parsed;
            }
        }
        if (!process.WaitForExit(Timeout))
        {
            process.Kill();
            throw new TimeoutException($"the {role} process did not finish within {Timeout}");
        }
        return result ?? throw new InvalidOperationException($"the {role} process exited with {process.ExitCode} without a result: {stderr.Result}");
    }
}

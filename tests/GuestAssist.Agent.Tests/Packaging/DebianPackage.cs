using System.Diagnostics;

namespace GuestAssist.Agent.Tests.Packaging;

/// <summary>
/// The agent's .deb for tests: the one `./build.sh --target=Package` left in artifacts/deb, or else one
/// built here (NativeAOT publish into a temporary directory, then packaging/build-deb.sh). Built once per run.
/// </summary>
internal static class DebianPackage
{
    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Path => Built.Value;

    public static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => System.IO.Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs a tool to completion; a non-zero exit throws with its stderr.</summary>
    public static string Run(string tool, TimeSpan limit, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {tool}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', arguments)} did not finish within {limit}");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {stderr.Result.Trim()}");
        }
        return stdout.Result;
    }

    private static string Build()
    {
        var artifacts = System.IO.Path.Combine(RepositoryRoot, "artifacts", "deb");
        if (Directory.Exists(artifacts) && Directory.GetFiles(artifacts, "guestassist-agent_*_amd64.deb") is [var existing, ..])
        {
            return existing;
        }
        var scratch = Directory.CreateTempSubdirectory("ga-deb-build").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(scratch, recursive: true);
        var published = System.IO.Path.Combine(scratch, "agent");
        Run("dotnet", TimeSpan.FromMinutes(8), "publish", System.IO.Path.Combine(RepositoryRoot, "guest/GuestAssist.Agent/GuestAssist.Agent.csproj"),
            "-c", "Release", "-r", "linux-x64", "-o", published, "-p:DebugType=none", "--nologo");
        var output = Run("bash", TimeSpan.FromMinutes(2), System.IO.Path.Combine(RepositoryRoot, "guest/GuestAssist.Agent/packaging/build-deb.sh"),
            System.IO.Path.Combine(published, "guestassist-agent"), scratch, "0.0.0-test");
        return output.Trim();
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "GuestAssist.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException($"no GuestAssist.sln above {AppContext.BaseDirectory}");
    }
}

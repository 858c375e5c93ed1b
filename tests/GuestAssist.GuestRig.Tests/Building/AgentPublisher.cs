using System.Globalization;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Building;

/// <summary>
/// Publishes guest/GuestAssist.Agent as a NativeAOT binary for the guests, cached under
/// artifacts/guest-rig/agent keyed by the newest mtime of the guest/** and shared/** sources, so a rerun
/// with unchanged sources does not republish.
/// </summary>
public static class AgentPublisher
{
    public const string BinaryName = "guestassist-agent";

    private static readonly string[] SourceExtensions = [".cs", ".csproj", ".proto", ".props", ".json"];

    public static async Task<string> PublishAsync()
    {
        var key = SourceKey();
        var output = Path.Combine(RepositoryPaths.Artifacts, "agent");
        var stamp = Path.Combine(output, ".source-key");
        var binary = Path.Combine(output, BinaryName);
        if (File.Exists(binary) && File.Exists(stamp) && (await File.ReadAllTextAsync(stamp)).Trim() == key)
        {
            return binary;
        }
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
        var project = Path.Combine(RepositoryPaths.Root, "guest", "GuestAssist.Agent");
        await CommandRunner.RunCheckedAsync(
            "dotnet",
            ["publish", project, "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", output],
            TimeSpan.FromMinutes(10));
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"dotnet publish did not produce {binary}");
        }
        await File.WriteAllTextAsync(stamp, key);
        return binary;
    }

    private static string SourceKey()
    {
        long newest = 0;
        foreach (var top in new[] { "guest", "shared" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, top), "*", SearchOption.AllDirectories))
            {
                var separator = Path.DirectorySeparatorChar;
                if (file.Contains($"{separator}bin{separator}", StringComparison.Ordinal) || file.Contains($"{separator}obj{separator}", StringComparison.Ordinal)
                    || !SourceExtensions.Contains(Path.GetExtension(file)))
                {
                    continue;
                }
                newest = Math.Max(newest, File.GetLastWriteTimeUtc(file).Ticks);
            }
        }
        return newest.ToString(CultureInfo.InvariantCulture);
    }
}

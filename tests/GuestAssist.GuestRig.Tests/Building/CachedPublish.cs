using System.Globalization;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Building;

/// <summary>
/// `dotnet publish` of one project into artifacts/guest-rig/OUTPUT, cached by the newest mtime of the sources under the
/// given top-level folders: a rerun with unchanged sources does not publish again.
/// </summary>
internal static class CachedPublish
{
    private static readonly string[] SourceExtensions = [".cs", ".csproj", ".proto", ".props", ".targets", ".json"];

    public static async Task<string> PublishAsync(string project, string output, string binaryName, IReadOnlyList<string> sourceRoots, IReadOnlyList<string> arguments)
    {
        var key = SourceKey(sourceRoots);
        var stamp = Path.Combine(output, ".source-key");
        var binary = Path.Combine(output, binaryName);
        if (File.Exists(binary) && File.Exists(stamp) && (await File.ReadAllTextAsync(stamp)).Trim() == key)
        {
            return binary;
        }
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
        await CommandRunner.RunCheckedAsync(
            "dotnet",
            ["publish", Path.Combine(RepositoryPaths.Root, project), "-c", "Release", "-r", "linux-x64", .. arguments, "-o", output],
            TimeSpan.FromMinutes(10));
        if (!File.Exists(binary))
        {
            throw new InvalidOperationException($"dotnet publish did not produce {binary}");
        }
        await File.WriteAllTextAsync(stamp, key);
        return binary;
    }

    private static string SourceKey(IReadOnlyList<string> sourceRoots)
    {
        long newest = 0;
        foreach (var top in sourceRoots)
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

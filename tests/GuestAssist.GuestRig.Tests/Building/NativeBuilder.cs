using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Building;

/// <summary>Builds one C file of tests/guest-rig with gcc into artifacts/guest-rig, again only when the source is newer.</summary>
public static class NativeBuilder
{
    /// <summary>A static guest binary (`gcc -O2 -static`).</summary>
    public static Task<string> GuestProgramAsync(string relativeSource, string name, params string[] libraries) =>
        BuildAsync(relativeSource, name, ["-O2", "-static", "-Wall", "-Werror"], libraries);

    /// <summary>A shared library for LD_PRELOAD on the host (`gcc -O2 -shared -fPIC`).</summary>
    public static Task<string> PreloadLibraryAsync(string relativeSource, string name) =>
        BuildAsync(relativeSource, name, ["-O2", "-shared", "-fPIC", "-Wall", "-Werror"], ["-ldl"]);

    private static async Task<string> BuildAsync(string relativeSource, string name, string[] flags, string[] libraries)
    {
        var source = Path.Combine(RepositoryPaths.RigScripts, relativeSource);
        Directory.CreateDirectory(RepositoryPaths.Artifacts);
        var binary = Path.Combine(RepositoryPaths.Artifacts, name);
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) > File.GetLastWriteTimeUtc(source))
        {
            return binary;
        }
        await CommandRunner.RunCheckedAsync("gcc", [.. flags, "-o", binary, source, .. libraries], TimeSpan.FromMinutes(2));
        return binary;
    }
}

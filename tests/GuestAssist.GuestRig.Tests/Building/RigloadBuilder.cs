using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Building;

/// <summary>Builds tests/guest-rig/workload/rigload.c with `gcc -O2 -static` into artifacts/guest-rig.</summary>
public static class RigloadBuilder
{
    public static async Task<string> BuildAsync()
    {
        var source = Path.Combine(RepositoryPaths.RigScripts, "workload", "rigload.c");
        Directory.CreateDirectory(RepositoryPaths.Artifacts);
        var binary = Path.Combine(RepositoryPaths.Artifacts, "rigload");
        if (File.Exists(binary) && File.GetLastWriteTimeUtc(binary) > File.GetLastWriteTimeUtc(source))
        {
            return binary;
        }
        await CommandRunner.RunCheckedAsync("gcc", ["-O2", "-static", "-Wall", "-Werror", "-o", binary, source], TimeSpan.FromMinutes(2));
        return binary;
    }
}

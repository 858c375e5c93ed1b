using System.Xml.Linq;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Building;

/// <summary>
/// Builds the agent's .deb from the published NativeAOT binary with the project's own
/// guest/GuestAssist.Agent/packaging/build-deb.sh (what `./build.sh --target=Package` runs), so the guests run the
/// agent as an operator installs it: /usr/sbin/guestassist-agent with /etc/guestassist/agent.conf beside it.
/// </summary>
public static class AgentPackager
{
    public const string InstalledBinary = "/usr/sbin/guestassist-agent";

    public static async Task<string> BuildAsync(string agentBinary)
    {
        var output = Path.Combine(RepositoryPaths.Artifacts, "deb");
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
        var version = XDocument.Load(Path.Combine(RepositoryPaths.Root, "Directory.Build.props")).Descendants("Version").First().Value;
        var script = Path.Combine(RepositoryPaths.Root, "guest", "GuestAssist.Agent", "packaging", "build-deb.sh");
        await CommandRunner.RunCheckedAsync("bash", [script, agentBinary, output, version], TimeSpan.FromMinutes(2));
        return Directory.EnumerateFiles(output, "*.deb").SingleOrDefault()
            ?? throw new InvalidOperationException($"build-deb.sh left no .deb in {output}");
    }
}

namespace GuestAssist.GuestRig.Tests.Support;

/// <summary>Where the repository and the rig's files are, found by walking up to GuestAssist.sln.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootLazy = new(FindRoot);

    public static string Root => RootLazy.Value;

    public static string RigScripts => Path.Combine(Root, "tests", "guest-rig");

    public static string Artifacts => Path.Combine(Root, "artifacts", "guest-rig");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GuestAssist.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no GuestAssist.sln above {AppContext.BaseDirectory}");
    }
}

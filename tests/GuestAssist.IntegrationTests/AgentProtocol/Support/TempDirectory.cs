namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>A short-named directory under /tmp (Unix socket paths are limited to 107 bytes), removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("ga");

    public string Path => directory.FullName;

    public string PathOf(string name) => System.IO.Path.Combine(directory.FullName, name);

    public void Dispose() => directory.Delete(recursive: true);
}

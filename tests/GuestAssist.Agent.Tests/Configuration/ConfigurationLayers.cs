namespace GuestAssist.Agent.Tests.Configuration;

/// <summary>A scratch directory holding fake config files and a fake /proc/cmdline.</summary>
public sealed class ConfigurationLayers : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ga-conf");

    public string ConfFile => Path.Combine(_directory.FullName, "agent.conf");

    public string JsonFile => Path.Combine(_directory.FullName, "agent.json");

    public string CmdlineFile => Path.Combine(_directory.FullName, "cmdline");

    public ConfigurationLayers Conf(string text)
    {
        File.WriteAllText(ConfFile, text);
        return this;
    }

    public ConfigurationLayers Json(string text)
    {
        File.WriteAllText(JsonFile, text);
        return this;
    }

    public ConfigurationLayers Cmdline(string text)
    {
        File.WriteAllText(CmdlineFile, text);
        return this;
    }

    public Agent.Configuration.AgentConfigurationSources Sources(params (string Name, string Value)[] environment) => new()
    {
        ConfigFiles = [ConfFile, JsonFile],
        Environment = environment.ToDictionary(e => e.Name, e => e.Value),
        KernelCommandLinePath = CmdlineFile,
    };

    public void Dispose() => _directory.Delete(recursive: true);
}

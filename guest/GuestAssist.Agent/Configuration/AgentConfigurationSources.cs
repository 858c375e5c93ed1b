namespace GuestAssist.Agent.Configuration;

/// <summary>
/// Where the layers come from, each injectable so tests feed fakes: a config file (key = value, or JSON
/// when the path ends in .json), the environment (GUESTASSIST_*) and the kernel command line
/// (guestassist.KEY=VALUE). A missing file is an empty layer.
/// </summary>
public sealed record AgentConfigurationSources
{
    public const string DefaultConfigFile = "/etc/guestassist/agent.conf";

    public const string DefaultJsonConfigFile = "/etc/guestassist/agent.json";

    public const string DefaultKernelCommandLine = "/proc/cmdline";

    /// <summary>Config files read in order (later wins); missing ones are skipped.</summary>
    public IReadOnlyList<string> ConfigFiles { get; init; } = [DefaultConfigFile, DefaultJsonConfigFile];

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? KernelCommandLinePath { get; init; } = DefaultKernelCommandLine;

    /// <summary>The sources of a running system: default files, this process's environment, /proc/cmdline.</summary>
    public static AgentConfigurationSources ForThisMachine(string? configFile = null, string? kernelCommandLine = null)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value && key.StartsWith(AgentSettingKeys.EnvironmentPrefix, StringComparison.Ordinal))
            {
                environment[key] = value;
            }
        }
        return new AgentConfigurationSources
        {
            ConfigFiles = configFile is null ? [DefaultConfigFile, DefaultJsonConfigFile] : [configFile],
            Environment = environment,
            KernelCommandLinePath = kernelCommandLine ?? DefaultKernelCommandLine,
        };
    }
}

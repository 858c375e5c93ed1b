using System.Globalization;
using System.Text.Json;

namespace GuestAssist.Agent.Configuration;

/// <summary>
/// Layers the agent's configuration: defaults &lt; config files &lt; environment (GUESTASSIST_*) &lt; kernel
/// command line (guestassist.KEY=VALUE) &lt; CLI flags. A bad value anywhere is an
/// <see cref="AgentConfigurationException"/> naming its layer and place; unknown keys are errors in files
/// and on the CLI, and warnings in the environment and on the kernel command line (which are shared with
/// other software).
/// </summary>
public static class AgentConfigurationLoader
{
    public static AgentSettings Load(AgentConfigurationSources sources, IEnumerable<KeyValuePair<string, string>>? commandLine = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var layers = new Layering();
        foreach (var file in sources.ConfigFiles)
        {
            if (File.Exists(file))
            {
                ReadFile(file, layers);
            }
        }
        foreach (var (name, value) in sources.Environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (name.StartsWith(AgentSettingKeys.EnvironmentPrefix, StringComparison.Ordinal) && !AgentSettingKeys.EnvironmentOnly.Contains(name))
            {
                layers.Apply(name[AgentSettingKeys.EnvironmentPrefix.Length..], value, $"environment {name}", strict: false);
            }
        }
        if (sources.KernelCommandLinePath is { } cmdline && File.Exists(cmdline))
        {
            foreach (var (key, value) in KernelCommandLine.Parse(ReadAll(cmdline, "kernel command line")))
            {
                layers.Apply(key, value, $"kernel command line ({cmdline}) guestassist.{key}", strict: false);
            }
        }
        foreach (var (key, value) in commandLine ?? [])
        {
            layers.Apply(key, value, $"command line --{key.Replace('_', '-')}", strict: true);
        }
        return layers.Settings with { Origins = layers.Origins, Warnings = layers.Warnings };
    }

    private static void ReadFile(string file, Layering layers)
    {
        var text = ReadAll(file, file);
        if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            ReadJson(file, text, layers);
            return;
        }
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            var origin = $"{file} line {number}";
            if (equals <= 0)
            {
                throw new AgentConfigurationException(origin, $"expected KEY = VALUE, got \"{line}\"");
            }
            layers.Apply(line[..equals], line[(equals + 1)..], origin, strict: true);
        }
    }

    private static void ReadJson(string file, string text, Layering layers)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new AgentConfigurationException(file, $"not valid JSON: {ex.Message}", ex);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new AgentConfigurationException(file, "expected a JSON object of settings");
            }
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Number => property.Value.GetRawText(),
                    JsonValueKind.Array => string.Join(',', property.Value.EnumerateArray().Select(e =>
                        e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText())),
                    _ => throw new AgentConfigurationException($"{file} \"{property.Name}\"", $"expected a string, number or array, got {property.Value.ValueKind}"),
                };
                layers.Apply(property.Name, value, $"{file} \"{property.Name}\"", strict: true);
            }
        }
    }

    private static string ReadAll(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AgentConfigurationException(what, $"cannot read {path}: {ex.Message}", ex);
        }
    }

    private sealed class Layering
    {
        public AgentSettings Settings { get; private set; } = new();

        public Dictionary<string, string> Origins { get; } = AgentSettingKeys.All.ToDictionary(k => k, _ => "default", StringComparer.Ordinal);

        public List<string> Warnings { get; } = [];

        public void Apply(string key, string value, string origin, bool strict)
        {
            var normalized = AgentSettingKeys.Normalize(key);
            if (!AgentSettingKeys.IsKnown(normalized))
            {
                var message = $"unknown key \"{key.Trim()}\" (known: {string.Join(", ", AgentSettingKeys.All)})";
                if (strict)
                {
                    throw new AgentConfigurationException(origin, message);
                }
                Warnings.Add(string.Create(CultureInfo.InvariantCulture, $"{origin}: {message}; ignored"));
                return;
            }
            try
            {
                Settings = AgentSettingKeys.Apply(Settings, normalized, value);
            }
            catch (FormatException ex)
            {
                throw new AgentConfigurationException(origin, $"{normalized}: {ex.Message}", ex);
            }
            Origins[normalized] = origin;
        }
    }
}

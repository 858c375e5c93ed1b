namespace GuestAssist.Agent.Configuration;

/// <summary>Picks <c>guestassist.KEY=VALUE</c> parameters out of a kernel command line (double quotes group, as the kernel's own parser does).</summary>
public static class KernelCommandLine
{
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        var found = new List<KeyValuePair<string, string>>();
        foreach (var word in Words(commandLine))
        {
            if (!word.StartsWith(AgentSettingKeys.KernelPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? word[AgentSettingKeys.KernelPrefix.Length..] : word[AgentSettingKeys.KernelPrefix.Length..equals];
            var value = equals < 0 ? "" : word[(equals + 1)..];
            found.Add(new(key, value));
        }
        return found;
    }

    private static IEnumerable<string> Words(string commandLine)
    {
        var word = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in commandLine)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (word.Length > 0)
                {
                    yield return word.ToString();
                    word.Clear();
                }
            }
            else
            {
                word.Append(c);
            }
        }
        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }
}

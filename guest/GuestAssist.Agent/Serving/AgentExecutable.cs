namespace GuestAssist.Agent.Serving;

/// <summary>How to run this agent again (the sentinel, the benchmark's children): its executable, or `dotnet guestassist-agent.dll`.</summary>
internal static class AgentExecutable
{
    /// <summary>Null when this process is not guestassist-agent (a test host, say).</summary>
    public static List<string>? Command()
    {
        if (System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name != "guestassist-agent" || Environment.ProcessPath is not { } executable)
        {
            return null;
        }
        return Path.GetFileNameWithoutExtension(executable) == "dotnet" ? [executable, Environment.GetCommandLineArgs()[0]] : [executable];
    }

    public static System.Diagnostics.ProcessStartInfo StartInfo(IReadOnlyList<string> command, params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var argument in command.Skip(1).Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }
        return info;
    }
}

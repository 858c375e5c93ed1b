using System.Globalization;

namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>The `guestassist-agent sentinel` processes alive on this machine for one throttle journal (a zombie's cmdline is empty).</summary>
internal static class SentinelProcesses
{
    public static IReadOnlyList<int> Watching(string journalPath)
    {
        var marker = $"\0sentinel\0--journal\0{journalPath}\0";
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }
        return found;
    }
}

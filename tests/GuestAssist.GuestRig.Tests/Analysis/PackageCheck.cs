using System.Globalization;
using GuestAssist.GuestRig.Tests.Building;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>
/// The installed package in the guest, before any workload starts: which of its files are in place, what
/// `--version` says, and how long the installed agent took from exec to listening (guest uptime seconds).
/// </summary>
public sealed record PackageCheck(IReadOnlyList<string> Present, IReadOnlyList<string> Missing, string Version, double? ListenSeconds, string Failure)
{
    public static readonly string[] Files =
    [
        AgentPackager.InstalledBinary,
        "/etc/guestassist/agent.conf",
        "/lib/systemd/system/guestassist-agent.service",
        "/lib/udev/rules.d/60-guestassist-agent.rules",
        "/usr/share/man/man8/guestassist-agent.8.gz",
        "/usr/share/doc/guestassist-agent/copyright",
    ];

    /// <summary>The guest's side, writing /out/package.txt.</summary>
    public static string Script => $$"""
        {
          for f in {{string.Join(' ', Files)}}; do
            if [ -e $f ]; then echo "FILE $f"; else echo "MISSING $f"; fi
          done
          echo "VERSION $({{AgentPackager.InstalledBinary}} --version 2>&1 | head -1)"
          t0=$(cut -d' ' -f1 /proc/uptime)
          {{AgentPackager.InstalledBinary}} serve --listen unix:/run/rig-agent.sock > /tmp/serve.log 2>&1 &
          agent=$!
          i=0
          while [ ! -S /run/rig-agent.sock ] && [ $i -lt 500 ]; do usleep 10000; i=$((i+1)); done
          t1=$(cut -d' ' -f1 /proc/uptime)
          if [ -S /run/rig-agent.sock ]; then echo "LISTENING $t0 $t1"; else echo "NOT-LISTENING $(head -c 300 /tmp/serve.log | tr '\n' ' ')"; fi
          kill $agent
          wait $agent
        } > /out/package.txt 2>&1

        """;

    public static PackageCheck Parse(string text)
    {
        var present = new List<string>();
        var missing = new List<string>();
        var version = "";
        double? listen = null;
        var failure = "";
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var (key, rest) = space < 0 ? (line, "") : (line[..space], line[(space + 1)..]);
            switch (key)
            {
                case "FILE":
                    present.Add(rest);
                    break;
                case "MISSING":
                    missing.Add(rest);
                    break;
                case "VERSION":
                    version = rest;
                    break;
                case "LISTENING":
                    var times = rest.Split(' ');
                    listen = double.Parse(times[1], CultureInfo.InvariantCulture) - double.Parse(times[0], CultureInfo.InvariantCulture);
                    break;
                case "NOT-LISTENING":
                    failure = rest;
                    break;
            }
        }
        return new PackageCheck(present, missing, version, listen, failure);
    }
}

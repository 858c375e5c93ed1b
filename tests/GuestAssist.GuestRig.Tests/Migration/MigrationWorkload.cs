using System.Globalization;
using System.Text;
using GuestAssist.GuestRig.Tests.Building;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// What the guest runs while it is moved (issue #13's workloads): migload's key-value service over a Zipf working set
/// (theta 0: uniform), idle memory, page cache from the disk read at start, and optionally a rogue process dirtying
/// memory faster than the link.
/// </summary>
public sealed record MigrationWorkload(string Name, string Description, int MemoryMiB, int WorkingSetMiB, int IdleMiB, int ThetaPercent, int WritePercent, int CacheMiB, int RogueMiB)
{
    /// <summary>(a) a key-value service with a Zipf working set well under RAM, page cache and idle memory.</summary>
    public static MigrationWorkload KeyValue { get; } = new("a-kv", "key-value service, Zipf 0.99 over 192 MiB, 10% writes, 128 MiB page cache, 256 MiB idle", 1024, 192, 256, 99, 10, 128, 0);

    /// <summary>(b) a service plus a rogue process dirtying memory faster than the link.</summary>
    public static MigrationWorkload Rogue { get; } = new("b-rogue", "key-value service (Zipf 0.99 over 64 MiB) beside a rogue rewriting 256 MiB", 1024, 64, 64, 99, 10, 64, 256);

    /// <summary>(c) a large working set: about half of RAM read and written uniformly.</summary>
    public static MigrationWorkload LargeWorkingSet { get; } = new("c-large", "uniform reads and writes (50%) over 512 MiB", 1024, 512, 0, 0, 50, 0, 0);

    public static IReadOnlyList<MigrationWorkload> All { get; } = [KeyValue, Rogue, LargeWorkingSet];

    public const string AgentPort = "guestassist";

    /// <summary>The guest's scenario: read the disk into the page cache, start the agent, the rogue, then the service in the foreground.</summary>
    /// <param name="agentEnvironment">Settings for the agent as VAR=value words (GUESTASSIST_MIGRATION_AGENT_ENV, e.g. GUESTASSIST_HEAT=soft-dirty).</param>
    public string Script(string agentEnvironment = "")
    {
        var script = new StringBuilder();
        script.Append(CultureInfo.InvariantCulture, $$"""
            #!/bin/sh
            export PATH=/bin
            cd /
            {{(CacheMiB > 0 ? $"dd if=/dev/vda of=/dev/null bs=1M count={CacheMiB} 2>/dev/null; echo \"MIG-CACHE $(cat /proc/uptime)\"" : "")}}
            {{agentEnvironment}} {{AgentPackager.InstalledBinary}} serve --listen serial:/dev/virtio-ports/{{AgentPort}} --heat-window-ms 2000 > /dev/console 2>&1 &
            {{(RogueMiB > 0 ? $"/bin/migload rogue {RogueMiB} > /tmp/rogue.out 2>&1 &" : "")}}
            stty -echo 2>/dev/null
            exec /bin/migload kv {{WorkingSetMiB}} {{IdleMiB}} {{ThetaPercent}} {{WritePercent}} 7

            """);
        return script.ToString();
    }
}

using System.Globalization;
using System.Text;
using GuestAssist.GuestRig.Tests.Analysis;
using GuestAssist.GuestRig.Tests.Building;

namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>
/// One guest boot: a kernel, a RAM size, the rigload workloads to start, and the agent scans to run once
/// every workload printed READY. The guest script writes into /out: ready.txt, and per scan
/// map-NAME.bin, scan-NAME.json/.err/.rc/.uptime, and vmstat/zoneinfo/meminfo-NAME.txt copied right after it;
/// a watched scan also writes-NAME.txt (rigload's count of the pages the agent wrote while it monitored).
/// </summary>
public sealed record GuestScenario(string Kernel, int MemoryMiB, IReadOnlyList<Workload> Workloads, IReadOnlyList<ScanMethod> Scans)
{
    /// <summary>Guest seconds each workload may take to print READY.</summary>
    public const int ReadyTimeoutSeconds = 600;

    public string Name => string.Create(CultureInfo.InvariantCulture, $"{Kernel}-{MemoryMiB}M-{string.Join('+', Workloads.Select(w => w.Mode))}");

    public override string ToString() => Name;

    public string Script()
    {
        var script = new StringBuilder();
        script.Append("#!/bin/sh\nexport PATH=/bin\ncd /\n");
        script.Append(PackageCheck.Script);
        foreach (var workload in Workloads)
        {
            script.Append(CultureInfo.InvariantCulture, $"{workload.CommandLine} > /tmp/ready.{workload.Mode} 2>/tmp/err.{workload.Mode} &\n");
        }
        script.Append(CultureInfo.InvariantCulture, $$"""
            for name in {{string.Join(' ', Workloads.Select(w => w.Mode))}}; do
              i=0
              until grep -q READY /tmp/ready.$name; do
                if [ $i -ge {{ReadyTimeoutSeconds}} ] || [ -s /tmp/err.$name ]; then echo "RIG-WORKLOAD-FAILED $name: $(cat /tmp/err.$name)"; break; fi
                sleep 1; i=$((i+1))
              done
              cat /tmp/ready.$name
            done
            cat /tmp/ready.* > /out/ready.txt
            echo "RIG-WORKLOADS-READY $(cat /proc/uptime)"
            scan() {
              name=$1; shift
              t0=$(cut -d' ' -f1 /proc/uptime)
              {{AgentPackager.InstalledBinary}} scan --map /out/map-$name.bin --json "$@" > /out/scan-$name.json 2>/out/scan-$name.err
              rc=$?
              t1=$(cut -d' ' -f1 /proc/uptime)
              cat /proc/vmstat > /out/vmstat-$name.txt
              cat /proc/zoneinfo > /out/zoneinfo-$name.txt
              cat /proc/meminfo > /out/meminfo-$name.txt
              echo $rc > /out/scan-$name.rc
              echo "$t0 $t1" > /out/scan-$name.uptime
              echo "RIG-SCAN $name rc=$rc $t0..$t1 $(head -c 300 /out/scan-$name.err)"
            }
            watched_scan() {
              name=$1; watch=$2; shift 2
              scan $name "$@" &
              scanner=$!
              sleep {{ScanMethod.WatchDelaySeconds}}
              agent=$(pidof guestassist-agent)
              if [ -n "$agent" ]; then
                /bin/rigload writes-of $agent $watch > /out/writes-$name.txt 2>&1
              else
                echo "NO-AGENT the scan ended before the watch began" > /out/writes-$name.txt
              fi
              wait $scanner
            }

            """);
        foreach (var scan in Scans)
        {
            script.Append(scan.WatchAgentSeconds > 0
                ? string.Create(CultureInfo.InvariantCulture, $"watched_scan {scan.Name} {scan.WatchAgentSeconds} {scan.AgentArguments}\n")
                : $"scan {scan.Name} {scan.AgentArguments}\n");
        }
        return script.ToString();
    }
}

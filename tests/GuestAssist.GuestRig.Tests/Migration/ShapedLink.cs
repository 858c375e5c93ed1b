using System.Globalization;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>
/// The link every method's traffic crosses: a network namespace for the destination side, a veth pair into it, and
/// a token bucket (`tc … tbf`) at the given rate on both ends. The source side is this host's namespace at
/// <see cref="SourceAddress"/>, the destination's at <see cref="DestinationAddress"/>. Disposing removes it all.
/// </summary>
public sealed class ShapedLink : IAsyncDisposable
{
    private readonly string _hostEnd;

    private ShapedLink(string ns, string hostEnd, long bitsPerSecond)
    {
        Namespace = ns;
        _hostEnd = hostEnd;
        BitsPerSecond = bitsPerSecond;
    }

    /// <summary>Share of the shaped rate left for TCP payload: 1448 bytes of each 1538 on the wire (MTU 1500, timestamps on).</summary>
    public const double PayloadShare = 1448.0 / 1538.0;

    public string Namespace { get; }

    public long BitsPerSecond { get; }

    public string SourceAddress => "10.213.77.1";

    public string DestinationAddress => "10.213.77.2";

    public static async Task<ShapedLink> CreateAsync(long bitsPerSecond)
    {
        var id = (Environment.ProcessId % 100000).ToString(CultureInfo.InvariantCulture);
        var ns = "ga-mig-" + id;
        var hostEnd = "gam0-" + id;
        var nsEnd = "gam1-" + id;
        var link = new ShapedLink(ns, hostEnd, bitsPerSecond);
        await RemoveAbandonedAsync(); // runs killed before they cleaned up leave the same addresses behind
        var rate = string.Create(CultureInfo.InvariantCulture, $"{bitsPerSecond}bit");
        try
        {
            foreach (var command in new[]
            {
                $"netns add {ns}",
                $"link add {hostEnd} type veth peer name {nsEnd}",
                $"link set {nsEnd} netns {ns}",
                $"addr add {link.SourceAddress}/30 dev {hostEnd}",
                $"link set {hostEnd} up",
                $"-n {ns} addr add {link.DestinationAddress}/30 dev {nsEnd}",
                $"-n {ns} link set {nsEnd} up",
                $"-n {ns} link set lo up",
            })
            {
                await CommandRunner.RunCheckedAsync("ip", command.Split(' '), TimeSpan.FromSeconds(10));
            }
            // burst: at least rate/HZ; 256 KiB keeps tbf exact at 1 Gbit/s without starving TCP.
            await CommandRunner.RunCheckedAsync("tc", ["qdisc", "add", "dev", hostEnd, "root", "tbf", "rate", rate, "burst", "256kb", "latency", "20ms"], TimeSpan.FromSeconds(10));
            await CommandRunner.RunCheckedAsync("ip", ["netns", "exec", ns, "tc", "qdisc", "add", "dev", nsEnd, "root", "tbf", "rate", rate, "burst", "256kb", "latency", "20ms"], TimeSpan.FromSeconds(10));
        }
        catch
        {
            await link.DisposeAsync();
            throw;
        }
        return link;
    }

    public async ValueTask DisposeAsync() => await RemoveAsync(Namespace, _hostEnd);

    /// <summary>Removes this benchmark's namespaces and links whose owning test process is gone (or is this one).</summary>
    private static async Task RemoveAbandonedAsync()
    {
        var listed = await CommandRunner.RunAsync("ip", ["netns", "list"], TimeSpan.FromSeconds(10));
        foreach (var line in listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = line.Split(' ')[0];
            if (name.StartsWith("ga-mig-", StringComparison.Ordinal)
                && int.TryParse(name["ga-mig-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && (id == Environment.ProcessId % 100000 || !Directory.Exists($"/proc/{id}")))
            {
                await RemoveAsync(name, "gam0-" + name["ga-mig-".Length..]);
            }
        }
    }

    private static async Task RemoveAsync(string ns, string hostEnd)
    {
        await CommandRunner.RunAsync("ip", ["link", "del", hostEnd], TimeSpan.FromSeconds(10));
        await CommandRunner.RunAsync("ip", ["netns", "del", ns], TimeSpan.FromSeconds(10));
    }
}

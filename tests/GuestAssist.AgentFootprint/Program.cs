using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using GuestAssist.AgentFootprint;
using GuestAssist.Host.Agent;
using GuestAssist.Linux.Transports;

// guestassist-agent footprint: exec → listening, RSS idle / after N maps with heat and owners / after idle, idle CPU.
// Usage: GuestAssist.AgentFootprint PATH-TO-guestassist-agent [maps=50] [idle-seconds=10]
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: GuestAssist.AgentFootprint AGENT [MAPS] [IDLE_SECONDS]");
    return 2;
}
var agent = args[0];
var maps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var idleSeconds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
var directory = Directory.CreateTempSubdirectory("guestassist-footprint-");
var socketPath = Path.Combine(directory.FullName, "agent.sock");
var start = new ProcessStartInfo(agent, ["serve", "--listen", $"unix:{socketPath}", "--config", Path.Combine(directory.FullName, "none.conf")])
{
    RedirectStandardError = true,
    RedirectStandardOutput = true,
};
var started = Stopwatch.GetTimestamp();
using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {agent}");
process.ErrorDataReceived += (_, _) => { };
process.OutputDataReceived += (_, _) => { };
process.BeginErrorReadLine();
process.BeginOutputReadLine();
try
{
    // exec → the socket accepts a connection.
    while (true)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            break;
        }
        catch (SocketException) when (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30) && !process.HasExited)
        {
            Thread.Sleep(1);
        }
    }
    var listeningMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    Thread.Sleep(500);
    var idleRss = ProcessFootprint.RssBreakdown(process.Id);
    // Settled: after the agent's first idle trim (IdleMemoryTrimmer, 2 s after start) returned the start-up garbage.
    Thread.Sleep(2500);
    var settledRss = ProcessFootprint.RssBreakdown(process.Id);

    var address = TransportAddress.Parse($"unix:{socketPath}");
    var mapsStarted = Stopwatch.GetTimestamp();
    long peakRss = 0;
    await using (var client = await AgentClient.ConnectAsync(address))
    {
        for (var i = 0; i < maps; i++)
        {
            _ = await client.GetMemoryMapAsync(includeHeat: true, includeOwners: true);
            peakRss = Math.Max(peakRss, ProcessFootprint.RssKiB(process.Id));
        }
    }
    var mapsSeconds = Stopwatch.GetElapsedTime(mapsStarted).TotalSeconds;
    var afterMapsRss = ProcessFootprint.RssBreakdown(process.Id);

    // The agent compacts its heap 2 s after the last scan (IdleMemoryTrimmer): measure the idle state after that.
    Thread.Sleep(3000);
    var cpuBefore = ProcessFootprint.CpuSeconds(process.Id);
    var idleStarted = Stopwatch.GetTimestamp();
    Thread.Sleep(TimeSpan.FromSeconds(idleSeconds));
    var idleCpu = (ProcessFootprint.CpuSeconds(process.Id) - cpuBefore) / Stopwatch.GetElapsedTime(idleStarted).TotalSeconds;
    var afterIdleRss = ProcessFootprint.RssBreakdown(process.Id);

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agent:               {agent} ({new FileInfo(agent).Length / 1024.0 / 1024:F1} MiB)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"exec -> listening:   {listeningMs:F1} ms"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RSS idle:            {idleRss} at 0.5 s, {settledRss} at 3 s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RSS after {maps} maps:  {afterMapsRss} (peak {peakRss / 1024.0:F1} MiB; heat+owners, {mapsSeconds:F1} s, {mapsSeconds * 1000 / maps:F0} ms/map)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RSS after {idleSeconds + 3} s idle: {afterIdleRss}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle CPU:            {idleCpu * 100:F3} % of a core over {idleSeconds} s"));
    return 0;
}
finally
{
    if (!process.HasExited)
    {
        process.Kill();
        await process.WaitForExitAsync();
    }
    directory.Delete(recursive: true);
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Engine;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Cli.Demo;

/// <summary>
/// Engine targets measured side by side in one run (a plain timed harness: BenchmarkDotNet does not fit a
/// multi-threaded uffd pipeline). Needs root (userfaultfd). Run: guestassist bench-engine
/// (hidden command; ./build.sh --target=Bench runs it).
/// (a) demand-fault service time over loopback while a saturating background stream runs, against no stream;
/// (b) background install rate (64-page batches through the fault server, and end to end over a Unix socket)
///     against a raw UFFDIO_COPY loop of the same batch size.
/// </summary>
public static class EngineBenchmark
{
    private const uint PageSize = 4096;
    private const int BatchPages = 64;

    public static int Run(TextWriter output)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            output.WriteLine("engine benchmark: needs root (userfaultfd)");
            return 1;
        }
        output.WriteLine("engine benchmark (loopback Unix socket, 4 KiB pages)");
        var faultBytes = 2UL << 30;
        using (var source = FilledMemory(faultBytes))
        {
            _ = FaultLatency(source, faultBytes, withStream: false, TextWriter.Null); // warm-up: JIT, page allocation
            var quiet = FaultLatency(source, faultBytes, withStream: false, output);
            var linked = FaultLatency(source, faultBytes, withStream: true, output, LinkRate.Parse("1gbit"));
            var busy = FaultLatency(source, faultBytes, withStream: true, output);
            output.WriteLine(Invariant($"(a) fault p99 with a stream saturating a 1 Gbit/s link / without: {linked.P99.TotalMicroseconds:0} / {quiet.P99.TotalMicroseconds:0} µs = {linked.P99 / quiet.P99:0.00}x (target <= 3x)"));
            output.WriteLine(Invariant($"    with an unlimited stream saturating the CPUs / without: {busy.P99.TotalMicroseconds:0} / {quiet.P99.TotalMicroseconds:0} µs = {busy.P99 / quiet.P99:0.00}x"));
        }

        var installBytes = 1UL << 30;
        using (var source = FilledMemory(installBytes))
        {
            // Alternate the contenders and keep each one's best of three: the first runs pay for the kernel's page allocation warm-up.
            double raw = 0, server = 0, endToEnd = 0;
            for (var round = 0; round < 3; round++)
            {
                raw = Math.Max(raw, RawCopyRate(source, installBytes));
                server = Math.Max(server, FaultServerInstallRate(source, installBytes));
                endToEnd = Math.Max(endToEnd, EndToEndRate(source, installBytes));
            }
            output.WriteLine(Invariant($"raw UFFDIO_COPY loop, {BatchPages}-page batches:      {raw:0.00} GiB/s"));
            output.WriteLine(Invariant($"fault server Install, {BatchPages}-page batches:     {server:0.00} GiB/s"));
            output.WriteLine(Invariant($"end to end (page server -> socket -> install):  {endToEnd:0.00} GiB/s"));
            output.WriteLine(Invariant($"(b) background install rate / raw copy: {server / raw:0.00}x (target >= 0.7x); end to end over the socket: {endToEnd / raw:0.00}x"));
        }
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Every page non-zero (so none travels as a zero run): its GFN in the first bytes.</summary>
    private static MappedMemory FilledMemory(ulong bytes)
    {
        var memory = MappedMemory.Anonymous(bytes);
        for (ulong gfn = 0; gfn < bytes / PageSize; gfn++)
        {
            BitConverter.TryWriteBytes(memory.AsSpan(gfn * PageSize, 16), gfn + 1);
        }
        return memory;
    }

    private static GuestMemoryLayout Layout(ulong bytes) => new([new MemoryRegion(0, bytes, 0)], PageSize);

    private static (MappedMemory Memory, FaultServer Server) Destination(ulong bytes)
    {
        var memory = MappedMemory.Anonymous(bytes);
        var uffd = Userfaultfd.Create(optional: UffdFeatures.EventRemove);
        uffd.Register(memory.Address64, bytes, UffdRegisterMode.Missing);
        return (memory, new FaultServer(uffd, Layout(bytes).WithHostAddresses([memory.Address64])));
    }

    private static string SocketPath() => Path.Combine(Path.GetTempPath(), $"ga-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");

    private static (TimeSpan P50, TimeSpan P99) FaultLatency(MappedMemory sourceMemory, ulong bytes, bool withStream, TextWriter output, LinkRate? link = null)
    {
        var layout = Layout(bytes);
        var socket = SocketPath();
        using var server = new PageServer(
            new BufferPageSource(sourceMemory, layout),
            layout,
            received => withStream ? new AddressOrderSchedule(layout, received) : new EmptySchedule(),
            new PageServerOptions { BatchPages = BatchPages, Link = link is null ? null : new TokenBucket(link.Value) });
        server.Listen(new UnixDomainSocketEndPoint(socket));
        var (memory, faults) = Destination(bytes);
        using (memory)
        using (faults)
        using (var client = new PostCopyClient(server.LocalEndPoint!, faults.Layout, new FaultServerSink(faults)))
        {
            faults.AttachRequester(client);
            faults.Start();
            client.Start();
            var random = new Random(1);
            var samples = new List<double>();
            var frames = (int)(bytes / PageSize);
            var deadline = Stopwatch.StartNew();
            while (samples.Count < 3000 && deadline.Elapsed < TimeSpan.FromSeconds(20) && !(withStream && client.IsComplete))
            {
                var gfn = (ulong)random.Next(frames);
                if (client.Received.IsSet(gfn))
                {
                    continue;
                }
                var start = Stopwatch.GetTimestamp();
                _ = FaultSafeMemory.Touch(memory.Address64 + (gfn * PageSize));
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
            var streamed = client.Received.Count;
            faults.Stop();
            samples.Sort();
            var p50 = TimeSpan.FromMicroseconds(samples[samples.Count / 2]);
            var p99 = TimeSpan.FromMicroseconds(samples[(int)(samples.Count * 0.99)]);
            var what = !withStream ? "without stream" : link is null ? "with unlimited stream" : $"with stream at {link.Value}";
            output.WriteLine(Invariant($"fault service {what,-30}: {samples.Count} faults, p50 {p50.TotalMicroseconds:0} µs, p99 {p99.TotalMicroseconds:0} µs ({streamed} frames received meanwhile)"));
            File.Delete(socket);
            return (p50, p99);
        }
    }

    private static double RawCopyRate(MappedMemory source, ulong bytes)
    {
        using var memory = MappedMemory.Anonymous(bytes);
        using var uffd = Userfaultfd.Create();
        uffd.Register(memory.Address64, bytes, UffdRegisterMode.Missing);
        var chunk = (ulong)BatchPages * PageSize;
        var clock = Stopwatch.StartNew();
        for (ulong offset = 0; offset < bytes; offset += chunk)
        {
            var result = uffd.Copy(memory.Address64 + offset, source.Address64 + offset, chunk);
            if (result.Outcome != CopyOutcome.Copied)
            {
                throw new InvalidOperationException($"raw copy: {result}");
            }
        }
        return bytes / clock.Elapsed.TotalSeconds / (1 << 30);
    }

    private static double FaultServerInstallRate(MappedMemory source, ulong bytes)
    {
        var (memory, faults) = Destination(bytes);
        using (memory)
        using (faults)
        {
            faults.Start();
            var chunk = BatchPages * (int)PageSize;
            var clock = Stopwatch.StartNew();
            for (ulong gfn = 0; gfn < bytes / PageSize; gfn += BatchPages)
            {
                faults.Install(gfn, source.AsSpan(gfn * PageSize, chunk));
            }
            var rate = bytes / clock.Elapsed.TotalSeconds / (1 << 30);
            faults.Stop();
            return rate;
        }
    }

    private static double EndToEndRate(MappedMemory sourceMemory, ulong bytes)
    {
        var layout = Layout(bytes);
        var socket = SocketPath();
        using var server = new PageServer(new BufferPageSource(sourceMemory, layout), layout, received => new AddressOrderSchedule(layout, received), new PageServerOptions { BatchPages = BatchPages });
        server.Listen(new UnixDomainSocketEndPoint(socket));
        var (memory, faults) = Destination(bytes);
        using (memory)
        using (faults)
        using (var client = new PostCopyClient(server.LocalEndPoint!, faults.Layout, new FaultServerSink(faults)))
        {
            faults.AttachRequester(client);
            faults.Start();
            var clock = Stopwatch.StartNew();
            client.Start();
            if (!client.WaitForCompletion(TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException("end-to-end transfer did not complete");
            }
            var rate = bytes / clock.Elapsed.TotalSeconds / (1 << 30);
            faults.Stop();
            File.Delete(socket);
            return rate;
        }
    }
}

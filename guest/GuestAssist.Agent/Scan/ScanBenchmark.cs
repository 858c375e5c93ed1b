using System.Diagnostics;
using System.Globalization;
using GuestAssist.Guest.Scanning;

namespace GuestAssist.Agent.Scan;

/// <summary>
/// `--bench`: a plain read of kpageflags + kpagecount (same ranges, same chunks) against the full scan and
/// classification, alternated round by round in one run; medians, frames/s, bytes allocated per rescan,
/// and the ratio line.
/// </summary>
internal static class ScanBenchmark
{
    public static void Run(FrameScanner scanner, int rounds, TextWriter output)
    {
        rounds = Math.Max(1, rounds);
        scanner.ReadRaw();
        var first = scanner.Scan();
        var ramFrames = first.RamFrames;
        var raw = new double[rounds];
        var scan = new double[rounds];
        var read = new double[rounds];
        var classify = new double[rounds];
        var allocated = new long[rounds];
        for (var round = 0; round < rounds; round++)
        {
            // Alternate the order so neither side always runs on a warmer cache.
            if (round % 2 == 0)
            {
                raw[round] = TimeRaw(scanner);
                (scan[round], allocated[round]) = TimeScan(scanner, out read[round], out classify[round]);
            }
            else
            {
                (scan[round], allocated[round]) = TimeScan(scanner, out read[round], out classify[round]);
                raw[round] = TimeRaw(scanner);
            }
        }
        var rawMedian = Median(raw);
        var scanMedian = Median(scan);
        var bytes = scanner.BytesPerFile * 2;
        string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        output.WriteLine(F($"bench: {rounds} rounds, {ramFrames:N0} RAM frames, {bytes / 1e6:F1} MB read per round (kpageflags + kpagecount)"));
        output.WriteLine(F($"raw read      median {rawMedian:F4} s  {ramFrames / rawMedian / 1e6:F1} M frames/s  {bytes / rawMedian / 1e6:F0} MB/s  (min {raw.Min():F4}, max {raw.Max():F4})"));
        output.WriteLine(F($"scan+classify median {scanMedian:F4} s  {ramFrames / scanMedian / 1e6:F1} M frames/s  (read {Median(read):F4} s, classify {Median(classify):F4} s; min {scan.Min():F4}, max {scan.Max():F4})"));
        output.WriteLine(F($"bytes allocated per rescan: median {Median(allocated.Select(a => (double)a).ToArray()):F0}, max {allocated.Max()}"));
        output.WriteLine(F($"ratio scan/raw: {scanMedian / rawMedian:F2}"));
    }

    private static double TimeRaw(FrameScanner scanner)
    {
        var started = Stopwatch.GetTimestamp();
        scanner.ReadRaw();
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static (double Seconds, long Allocated) TimeScan(FrameScanner scanner, out double read, out double classify)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        var result = scanner.Scan();
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        read = result.ReadSeconds;
        classify = result.ClassifySeconds;
        return (seconds, allocated);
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}

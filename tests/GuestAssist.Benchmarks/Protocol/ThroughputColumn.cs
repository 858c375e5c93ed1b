using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace GuestAssist.Benchmarks.Protocol;

/// <summary>MB/s (10^6 bytes) from the mean time per operation and the benchmark's FrameBytes parameter.</summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);
    public string ColumnName => "MB/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Frame megabytes (10^6 bytes, header included) processed per second";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        var payload = benchmarkCase.Parameters[nameof(ProtocolFrameBenchmarks.PayloadBytes)];
        if (mean is null or <= 0 || payload is not int payloadBytes)
        {
            return "NA";
        }
        var frameBytes = ProtocolFrameBenchmarks.FrameBytesFor(payloadBytes);
        return (frameBytes / (mean.Value / 1e9) / 1e6).ToString("N0");
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

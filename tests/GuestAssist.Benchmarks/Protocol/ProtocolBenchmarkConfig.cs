using BenchmarkDotNet.Configs;

namespace GuestAssist.Benchmarks.Protocol;

/// <summary>
/// Shared settings of the protocol benchmarks: the generated project is rebuilt with every dependency,
/// which can outlast BenchmarkDotNet's default 2-minute build timeout on a busy 2-core machine.
/// </summary>
public class ProtocolBenchmarkConfig : ManualConfig
{
    public ProtocolBenchmarkConfig() => WithBuildTimeout(TimeSpan.FromMinutes(10));
}

namespace GuestAssist.Guest.Tests.Live;

/// <summary>Live-kernel tests run one at a time: each compares against counters the others would disturb.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveKernelCollection
{
    public const string Name = "live kernel";
}

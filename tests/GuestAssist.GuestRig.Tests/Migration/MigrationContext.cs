namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>What every method of one run shares: the built guest, the link, the paths, and the started source.</summary>
public sealed record MigrationContext(
    MigrationInputs Inputs,
    MigrationWorkload Workload,
    ShapedLink Link,
    string WorkDirectory,
    Func<MigrationQemuOptions> DestinationOptions)
{
    public const int MigrationPort = 4444;

    public const int PageServerPort = 4445;

    public string IncomingUri => $"tcp:{Link.DestinationAddress}:{MigrationPort}";
}

namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>What every method of one run shares: the built guest, the link, the paths, and the destination once started.</summary>
public sealed class MigrationContext(
    MigrationInputs inputs,
    MigrationWorkload workload,
    ShapedLink link,
    string workDirectory,
    Func<MigrationQemuOptions> destinationOptions)
{
    public MigrationInputs Inputs { get; } = inputs;

    public MigrationWorkload Workload { get; } = workload;

    public ShapedLink Link { get; } = link;

    public string WorkDirectory { get; } = workDirectory;

    public MigrationQemuOptions DestinationOptions() => destinationOptions();

    public const int MigrationPort = 4444;

    public const int PageServerPort = 4445;

    public string IncomingUri => $"tcp:{Link.DestinationAddress}:{MigrationPort}";

    /// <summary>The destination QEMU once a method started it, so the run keeps its console even when the method fails.</summary>
    public MigrationQemu? Destination { get; set; }
}

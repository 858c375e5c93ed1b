namespace GuestAssist.Cli.Demo;

/// <summary>Both processes' results of one demo migration.</summary>
public sealed record DemoRun(DemoPolicy Policy, DemoResult Source, DemoResult Destination, int DestinationExitCode)
{
    public bool Verified => DestinationExitCode == 0 && Destination.Long("mismatches") == 0 && Destination.Long("complete") == 1;
}

namespace GuestAssist.Cli.Tests.Commands;

/// <summary>Tests that swap Console.Out/Console.Error (the commands write to them) run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}

using System.CommandLine;
using GuestAssist.Cli.Demo;

namespace GuestAssist.Cli.Commands;

/// <summary>`guestassist bench-engine` (hidden): the post-copy engine's benchmark targets, printed side by side.</summary>
public static class BenchEngineCommand
{
    public static Command Create()
    {
        var command = new Command("bench-engine", "post-copy engine benchmark: fault p99 under a saturating stream, install rate vs raw UFFDIO_COPY") { Hidden = true };
        command.SetAction(_ => EngineBenchmark.Run(Console.Out));
        return command;
    }
}

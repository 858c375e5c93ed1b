using System.CommandLine;

namespace GuestAssist.Agent.Commands;

/// <summary>`guestassist-agent scan`: classify every guest frame and print the result.</summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var command = new Command("scan", "Classify every page frame of this machine and print a table (or JSON).");
        command.SetAction(_ =>
        {
            Console.Error.WriteLine("scan: not implemented yet");
            return 2;
        });
        return command;
    }
}

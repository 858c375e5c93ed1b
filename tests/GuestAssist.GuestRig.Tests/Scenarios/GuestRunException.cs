namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>A guest boot that went wrong, with the console it printed (written to the test output on failure).</summary>
public sealed class GuestRunException : Exception
{
    public GuestRunException(string message, string console, string consoleLogPath, Exception inner)
        : base(message, inner)
    {
        Console = console;
        ConsoleLogPath = consoleLogPath;
    }

    public GuestRunException()
    {
        Console = ConsoleLogPath = "";
    }

    public GuestRunException(string message)
        : base(message)
    {
        Console = ConsoleLogPath = "";
    }

    public GuestRunException(string message, Exception inner)
        : base(message, inner)
    {
        Console = ConsoleLogPath = "";
    }

    public string Console { get; }

    public string ConsoleLogPath { get; }
}

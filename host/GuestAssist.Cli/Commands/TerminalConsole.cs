using Spectre.Console;

namespace GuestAssist.Cli.Commands;

/// <summary>
/// The console tables go to: colour and markup only on a terminal, and only without NO_COLOR (no-color.org);
/// a pipe, a file or a journal gets plain text, never an ESC sequence.
/// </summary>
internal static class TerminalConsole
{
    /// <summary>Width for redirected output: Spectre assumes 80 columns when it cannot ask a terminal; logs and pipes have room.</summary>
    public const int RedirectedWidth = 132;

    public static IAnsiConsole ForStandardOutput() =>
        Create(Console.Out, Console.IsOutputRedirected, Environment.GetEnvironmentVariable("NO_COLOR"));

    public static IAnsiConsole Create(TextWriter output, bool redirected, string? noColor)
    {
        var plain = redirected || !string.IsNullOrEmpty(noColor);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = plain ? InteractionSupport.No : InteractionSupport.Detect,
        });
        if (redirected)
        {
            console.Profile.Width = RedirectedWidth;
        }
        return console;
    }
}

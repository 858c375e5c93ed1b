using System.CommandLine;
using GuestAssist.Agent.Commands;

namespace GuestAssist.Agent.Tests.Commands;

/// <summary>The conventions every `guestassist-agent` command follows: exit codes by failure kind, one-line errors, no stack trace.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ga-cli");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    private static async Task<(int Exit, string Stderr)> RunAsync(RootCommand root, params string[] args)
    {
        var stderr = new StringWriter();
        var exit = await CommandLine.RunAsync("guestassist-agent", root, args, stderr);
        return (exit, stderr.ToString());
    }

    private static RootCommand Agent()
    {
        var root = new RootCommand($"test. {CommandLine.ExitCodesHelp}");
        root.Subcommands.Add(ScanCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        return root;
    }

    private static void AssertOneLine(string stderr)
    {
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scan", "--no-such-option")]
    [InlineData("no-such-command")]
    [InlineData("serve", "--heat-window-ms", "soon")]
    public async Task A_usage_error_is_one_line_and_exit_2(params string[] args)
    {
        var (exit, stderr) = await RunAsync(Agent(), args);

        Assert.Equal(ExitCodes.Usage, exit);
        AssertOneLine(stderr);
        Assert.StartsWith("guestassist-agent: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_in_a_missing_directory_is_unavailable_in_one_line()
    {
        var socket = PathOf("no/such/dir/agent.sock");
        var stderr = new StringWriter();
        var original = Console.Error;
        int exit;
        Console.SetError(stderr);
        try
        {
            exit = await CommandLine.RunAsync("guestassist-agent", Agent(), ["serve", "--listen", $"unix:{socket}", "--config", PathOf("none.conf"), "--log-level", "error"], original);
        }
        finally
        {
            Console.SetError(original);
        }

        Assert.Equal(ExitCodes.Unavailable, exit);
        var text = stderr.ToString();
        AssertOneLine(text);
        Assert.Contains("cannot listen", text, StringComparison.Ordinal);
        Assert.Contains(socket, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Whatever_a_command_did_not_expect_is_one_line_and_exit_4()
    {
        var root = new RootCommand("test");
        var broken = new Command("broken");
        broken.SetAction(new Func<ParseResult, int>(_ => throw new InvalidOperationException("the thing broke", new IOException("because the disk left"))));
        root.Subcommands.Add(broken);

        var (exit, stderr) = await RunAsync(root, "broken");

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Equal("guestassist-agent: failed: the thing broke: because the disk left\n", stderr.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Help_lists_the_exit_codes()
    {
        var output = new StringWriter();
        var exit = await Agent().Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = output });

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Exit codes: 0 done; 1 refused; 2 usage or configuration error; 3 unavailable", output.ToString(), StringComparison.Ordinal);
    }
}

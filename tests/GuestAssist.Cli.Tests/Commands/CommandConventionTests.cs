using System.CommandLine;
using GuestAssist.Cli.Commands;

namespace GuestAssist.Cli.Tests.Commands;

/// <summary>The conventions of every `guestassist` command: exit codes by failure kind, one-line errors, never a stack trace.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class CommandConventionTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ga-cli-conventions");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    private static RootCommand Cli()
    {
        var root = new RootCommand($"test. {CommandLine.ExitCodesHelp}");
        root.Subcommands.Add(AgentCommand.Create());
        root.Subcommands.Add(PageServerCommand.Create());
        root.Subcommands.Add(UffdHandlerCommand.Create());
        return root;
    }

    /// <summary>Runs the CLI with stdout and stderr captured (the commands write to Console).</summary>
    private static Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (originalOut, originalError) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var exit = await CommandLine.RunAsync("guestassist", Cli(), args, stderr, cancellationToken);
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }

    private static void AssertOneLine(string stderr)
    {
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("agent", "status")]
    [InlineData("agent", "status", "--connect", "unix:/x", "--no-such-option")]
    [InlineData("agent", "status", "--connect", "carrier-pigeon:1")]
    [InlineData("no-such-command")]
    public async Task A_usage_error_is_one_line_and_exit_2(params string[] args)
    {
        var (exit, _, stderr) = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, exit);
        AssertOneLine(stderr);
    }

    [Theory]
    [InlineData("page-server", "--listen", "127.0.0.1:7070", "unknown scheme \"127.0.0.1\"")]
    [InlineData("page-server", "--listen", "vsock:2:5000", "pages travel over Unix sockets or TCP only; expected one of unix:/path, tcp:host:port")]
    [InlineData("uffd-handler", "--source", "192.0.2.10:7070", "unknown scheme \"192.0.2.10\"")]
    public async Task A_page_path_address_outside_the_transport_grammar_is_a_usage_error(string command, string option, string address, string reason)
    {
        File.WriteAllBytes(PathOf("vm.mem"), new byte[1 << 20]);
        string[] args = command == "page-server"
            ? [command, "--memory-file", PathOf("vm.mem"), "--no-secret", option, address]
            : [command, "--socket", PathOf("u.sock"), option, address];

        var (exit, _, stderr) = await RunAsync(args);

        Assert.Equal(ExitCodes.Usage, exit);
        AssertOneLine(stderr);
        Assert.Contains($"invalid transport address \"{address}\": {reason}", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("map")]
    public async Task An_agent_that_is_not_there_is_unavailable_in_one_line(string command)
    {
        var (exit, stdout, stderr) = await RunAsync("agent", command, "--connect", $"unix:{PathOf("no/such/dir/agent.sock")}", "--json");

        Assert.Equal(ExitCodes.Unavailable, exit);
        Assert.Empty(stdout);
        AssertOneLine(stderr);
        Assert.StartsWith("agent unix:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_map_file_is_one_line_and_exit_2()
    {
        File.WriteAllBytes(PathOf("vm.mem"), new byte[1 << 20]);
        File.WriteAllBytes(PathOf("empty.map"), []);

        var (exit, _, stderr) = await RunAsync("page-server", "--memory-file", PathOf("vm.mem"), "--map", PathOf("empty.map"), "--no-secret", "--listen", "tcp:127.0.0.1:0");

        Assert.Equal(ExitCodes.Usage, exit);
        AssertOneLine(stderr);
        Assert.StartsWith("page-server: map file empty.map: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopped_page_server_prints_what_it_sent_as_json_and_nothing_else_on_stdout()
    {
        File.WriteAllBytes(PathOf("vm.mem"), new byte[1 << 20]);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        var (exit, stdout, stderr) = await RunAsync(stop.Token, "page-server", "--memory-file", PathOf("vm.mem"), "--no-secret", "--listen", "tcp:127.0.0.1:0", "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(0, json.RootElement.GetProperty("pages_sent").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("bytes_by_class").GetProperty("kernel").GetInt64());
        Assert.StartsWith("page-server: serving 1 MiB", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_in_a_missing_directory_is_unavailable_in_one_line()
    {
        File.WriteAllBytes(PathOf("vm.mem"), new byte[1 << 20]);
        var socket = PathOf("no/such/dir/uffd.sock");

        var (exit, _, stderr) = await RunAsync("uffd-handler", "--socket", socket, "--memory-file", PathOf("vm.mem"));

        Assert.Equal(ExitCodes.Unavailable, exit);
        AssertOneLine(stderr);
        Assert.StartsWith($"uffd-handler: cannot listen on {socket}: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Whatever_a_command_did_not_expect_is_one_line_and_exit_4()
    {
        var root = new RootCommand("test");
        var broken = new Command("broken");
        broken.SetAction(new Func<ParseResult, int>(_ => throw new InvalidOperationException("the thing broke")));
        root.Subcommands.Add(broken);
        var stderr = new StringWriter();

        var exit = await CommandLine.RunAsync("guestassist", root, ["broken"], stderr);

        Assert.Equal(ExitCodes.Failed, exit);
        Assert.Equal("guestassist: failed: the thing broke", stderr.ToString().Trim());
    }

    [Fact]
    public async Task Help_lists_the_exit_codes()
    {
        var output = new StringWriter();
        var exit = await Cli().Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = output });

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Contains("Exit codes: 0 done; 1 refused; 2 usage or configuration error; 3 unavailable", output.ToString(), StringComparison.Ordinal);
    }
}

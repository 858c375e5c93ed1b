using System.CommandLine;
using GuestAssist.Agent.Commands;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Tests.Serving;

/// <summary>`guestassist-agent serve` in-process: configuration from an injected kernel command line, CLI override, clean stop.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("ga-serve");

    public void Dispose() => _directory.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_directory.FullName, name);

    [Fact]
    public async Task A_bad_listen_address_on_the_kernel_command_line_stops_serve_before_it_binds()
    {
        File.WriteAllText(PathOf("cmdline"), "quiet guestassist.listen=vsock:lots\n");

        var exit = await Invoke(CancellationToken.None, "serve", "--config", PathOf("none.conf"), "--kernel-cmdline", PathOf("cmdline"));

        Assert.Equal(ExitCodes.Usage, exit);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Serve_listens_where_the_layers_say_answers_hello_and_stops_on_cancel(bool cliOverride)
    {
        var fromKernel = PathOf("k.sock");
        var fromCli = PathOf("c.sock");
        File.WriteAllText(PathOf("cmdline"), $"root=/dev/vda guestassist.listen=unix:{fromKernel}\n");
        string[] args = ["serve", "--config", PathOf("none.conf"), "--kernel-cmdline", PathOf("cmdline")];
        if (cliOverride)
        {
            args = [.. args, "--listen", $"unix:{fromCli}"];
        }
        using var stop = new CancellationTokenSource();
        var serving = Invoke(stop.Token, args);
        var socket = cliOverride ? fromCli : fromKernel;

        await using (var connection = new ProtocolConnection(await ConnectWhenListeningAsync(socket, serving)))
        {
            var session = await HandshakeNegotiator.HelloAsync(connection, HandshakeOffer.Default("test-host"));
            var status = await connection.RequestAsync(new Envelope { GetStatus = new GetStatus() });
            Assert.Equal(ProtocolVersions.Current, session.Version);
            Assert.Contains(Capabilities.Heartbeat, session.Capabilities);
            Assert.Equal((uint)Environment.SystemPageSize, status.AgentStatus.PageSize);
        }
        stop.Cancel();

        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(cliOverride ? fromKernel : fromCli), "only the winning layer's address is bound");
    }

    [Fact]
    public void The_systemd_units_exec_start_is_a_valid_serve_command_line()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GuestAssist.sln")))
        {
            directory = directory.Parent;
        }
        Assert.NotNull(directory);
        var unit = File.ReadAllLines(Path.Combine(directory.FullName, "guest/GuestAssist.Agent/packaging/guestassist-agent.service"));
        var execStart = Assert.Single(unit, l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        var words = execStart["ExecStart=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);

        var root = new RootCommand("test");
        root.Subcommands.Add(ServeCommand.Create());
        var parsed = root.Parse(words[1..]);

        // No --listen: a CLI flag would outrank agent.conf, GUESTASSIST_* and guestassist.listen= on the
        // kernel command line; vsock:5000 is the configuration default instead.
        Assert.Equal("/usr/sbin/guestassist-agent", words[0]);
        Assert.Empty(parsed.Errors);
        Assert.Equal(["serve"], words[1..]);
    }

    private static async Task<Stream> ConnectWhenListeningAsync(string path, Task<int> serving)
    {
        var endpoint = TransportEndpoint.Create(new UnixAddress(path));
        for (var attempt = 0; ; attempt++)
        {
            if (serving.IsCompleted)
            {
                throw new InvalidOperationException($"serve exited early with {await serving}");
            }
            try
            {
                return await endpoint.ConnectAsync(CancellationToken.None);
            }
            catch (TransportException) when (attempt < 200)
            {
                await Task.Delay(50);
            }
        }
    }

    private static Task<int> Invoke(CancellationToken cancellationToken, params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(ServeCommand.Create());
        return root.Parse(args).InvokeAsync(cancellationToken: cancellationToken);
    }
}

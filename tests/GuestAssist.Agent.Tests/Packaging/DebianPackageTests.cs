using GuestAssist.Agent.Configuration;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Tests.Packaging;

/// <summary>The .deb: its file list, conffile and maintainer scripts, a commented agent.conf that states the defaults, and an agent that runs from an unpacked root.</summary>
public sealed class DebianPackageTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("ga-deb");

    public void Dispose() => _scratch.Delete(recursive: true);

    private string Root => Path.Combine(_scratch.FullName, "root");

    [DpkgDebFact]
    public void The_package_holds_exactly_the_agent_unit_rule_conffile_man_page_and_copyright()
    {
        var listing = DebianPackage.Run("dpkg-deb", Limit, "--contents", DebianPackage.Path);
        var files = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line[0] != 'd')
            .Select(line => line[(line.IndexOf("./", StringComparison.Ordinal) + 1)..])
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.Equal(
            [
                "/etc/guestassist/agent.conf",
                "/lib/systemd/system/guestassist-agent.service",
                "/lib/udev/rules.d/60-guestassist-agent.rules",
                "/usr/sbin/guestassist-agent",
                "/usr/share/doc/guestassist-agent/copyright",
                "/usr/share/man/man8/guestassist-agent.8.gz",
            ],
            files);
        Assert.Contains("-rwxr-xr-x root/root", listing.Split('\n').Single(l => l.EndsWith("/usr/sbin/guestassist-agent", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [DpkgDebFact]
    public void Agent_conf_is_a_conffile_and_the_maintainer_scripts_touch_systemd_only_when_it_runs()
    {
        var control = Path.Combine(_scratch.FullName, "DEBIAN");
        DebianPackage.Run("dpkg-deb", Limit, "--control", DebianPackage.Path, control);

        Assert.Equal(["/etc/guestassist/agent.conf"], File.ReadAllLines(Path.Combine(control, "conffiles")));
        var postinst = File.ReadAllText(Path.Combine(control, "postinst"));
        var prerm = File.ReadAllText(Path.Combine(control, "prerm"));
        Assert.Contains("[ -d /run/systemd/system ]", postinst, StringComparison.Ordinal);
        Assert.Contains("systemctl enable guestassist-agent.service", postinst, StringComparison.Ordinal);
        Assert.Contains("[ -d /run/systemd/system ]", prerm, StringComparison.Ordinal);
        Assert.Contains("systemctl stop guestassist-agent.service", prerm, StringComparison.Ordinal);
    }

    [DpkgDebFact]
    public void Agent_conf_comments_out_every_key_with_its_default()
    {
        DebianPackage.Run("dpkg-deb", Limit, "--extract", DebianPackage.Path, Root);
        var lines = File.ReadAllLines(Path.Combine(Root, "etc/guestassist/agent.conf"));
        // A setting is "#key = value" (no space after #); prose comments are "# ...".
        var settings = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^#[a-z_]+ = ")).Select(l => l[1..]).ToArray();

        Assert.All(lines, l => Assert.True(l.Length == 0 || l.StartsWith('#'), $"not commented: {l}"));
        Assert.Equal(AgentSettingKeys.All.Order(StringComparer.Ordinal), settings.Select(l => l[..l.IndexOf(' ', StringComparison.Ordinal)]).Order(StringComparer.Ordinal));

        // Uncommented, the file must change nothing: the values it shows are the defaults.
        var uncommented = Path.Combine(_scratch.FullName, "uncommented.conf");
        File.WriteAllLines(uncommented, settings);
        var loaded = AgentConfigurationLoader.Load(new AgentConfigurationSources { ConfigFiles = [uncommented], KernelCommandLinePath = null });
        var defaults = new AgentSettings();
        Assert.Equal(string.Join(',', defaults.Listen), string.Join(',', loaded.Listen));
        Assert.Equal(
            (defaults.HeatWindow, defaults.Heat, defaults.ChunkBytes, defaults.MaxQueuedScans, defaults.MaxConnections, defaults.IdleTimeout, defaults.ProcRoot, defaults.SysRoot, defaults.LogLevel),
            (loaded.HeatWindow, loaded.Heat, loaded.ChunkBytes, loaded.MaxQueuedScans, loaded.MaxConnections, loaded.IdleTimeout, loaded.ProcRoot, loaded.SysRoot, loaded.LogLevel));
        Assert.Equal(defaults.VsockPeerCids, loaded.VsockPeerCids);
    }

    [DpkgDebFact]
    public void The_unit_leaves_the_listen_address_to_the_configuration_and_is_hardened()
    {
        DebianPackage.Run("dpkg-deb", Limit, "--extract", DebianPackage.Path, Root);
        var unit = File.ReadAllLines(Path.Combine(Root, "lib/systemd/system/guestassist-agent.service"));

        Assert.Equal("ExecStart=/usr/sbin/guestassist-agent serve", Assert.Single(unit, l => l.StartsWith("ExecStart=", StringComparison.Ordinal)));
        foreach (var setting in new[]
        {
            "ProtectSystem=strict", "ReadWritePaths=/run/guestassist", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes",
            "RestrictAddressFamilies=AF_VSOCK AF_UNIX", "CapabilityBoundingSet=CAP_SYS_ADMIN CAP_KILL CAP_SYS_PTRACE CAP_DAC_READ_SEARCH",
        })
        {
            Assert.Contains(setting, unit);
        }
    }

    [DpkgDebFact]
    public async Task The_agent_from_the_unpacked_package_serves_hello_and_status()
    {
        DebianPackage.Run("dpkg-deb", Limit, "--extract", DebianPackage.Path, Root);
        var socket = Path.Combine(_scratch.FullName, "agent.sock");
        var start = new System.Diagnostics.ProcessStartInfo(Path.Combine(Root, "usr/sbin/guestassist-agent"),
            ["serve", "--listen", $"unix:{socket}", "--config", Path.Combine(Root, "etc/guestassist/agent.conf")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var agent = System.Diagnostics.Process.Start(start)!;
        var stderr = agent.StandardError.ReadToEndAsync();
        _ = agent.StandardOutput.ReadToEndAsync();
        try
        {
            await using var connection = new ProtocolConnection(await ConnectWhenListeningAsync(socket, agent, stderr));
            var session = await HandshakeNegotiator.HelloAsync(connection, HandshakeOffer.Default("deb-test-host"));
            var status = await connection.RequestAsync(new Envelope { GetStatus = new GetStatus() });

            Assert.Equal(ProtocolVersions.Current, session.Version);
            Assert.StartsWith("guestassist-agent/", status.AgentStatus.Software, StringComparison.Ordinal);
        }
        finally
        {
            agent.Kill();
            await agent.WaitForExitAsync();
        }
    }

    private static async Task<Stream> ConnectWhenListeningAsync(string path, System.Diagnostics.Process agent, Task<string> stderr)
    {
        var endpoint = TransportEndpoint.Create(new UnixAddress(path));
        for (var attempt = 0; ; attempt++)
        {
            if (agent.HasExited)
            {
                throw new InvalidOperationException($"the packaged agent exited with {agent.ExitCode}: {await stderr}");
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
}

using GuestAssist.Agent.Configuration;
using GuestAssist.Linux.Transports;
using GuestAssist.Linux.Vsock;

namespace GuestAssist.Agent.Tests.Configuration;

public sealed class AgentConfigurationLoaderTests : IDisposable
{
    private readonly ConfigurationLayers _layers = new();

    public void Dispose() => _layers.Dispose();

    [Fact]
    public void With_no_sources_the_defaults_match_the_systemd_unit()
    {
        var settings = AgentConfigurationLoader.Load(_layers.Sources());

        Assert.Equal([TransportAddress.Parse("vsock:5000")], settings.Listen);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.HeatWindow);
        Assert.Equal([VsockCid.Host], settings.VsockPeerCids);
        Assert.All(settings.Origins.Values, origin => Assert.Equal("default", origin));
    }

    [Fact]
    public void DAMONs_cost_is_configurable_and_a_region_limit_below_the_minimum_lowers_the_minimum()
    {
        _layers.Conf("damon_sample_ms = 100\ndamon_vaddr_targets = 1\n");
        var sources = _layers.Sources(("GUESTASSIST_DAMON_MAX_REGIONS", "50"));

        var settings = AgentConfigurationLoader.Load(sources, []);

        Assert.Equal(TimeSpan.FromMilliseconds(100), settings.Damon.Sample);
        Assert.Equal(1, settings.Damon.VirtualTargets);
        Assert.Equal(50, settings.Damon.MaxRegions);
        Assert.True(settings.Damon.MinRegions <= 50, $"min regions {settings.Damon.MinRegions} above the limit");
        Assert.Equal("environment GUESTASSIST_DAMON_MAX_REGIONS", settings.Origins[AgentSettingKeys.DamonMaxRegions]);
    }

    [Fact]
    public void Each_layer_overrides_the_one_below_defaults_file_environment_kernel_cli()
    {
        _layers
            .Conf("# agent\nlisten = unix:/run/file.sock\nheat_window_ms = 100\nchunk_bytes = 1000\nmax_queued_scans = 1\nmax_connections = 3\n")
            .Json("""{ "heat_window_ms": 200, "chunk_bytes": 2000, "max_queued_scans": 2 }""")
            .Cmdline("BOOT_IMAGE=/vmlinuz root=/dev/vda1 quiet guestassist.chunk_bytes=3000 guestassist.max-queued-scans=3\n");
        var sources = _layers.Sources(("GUESTASSIST_HEAT_WINDOW_MS", "300"), ("GUESTASSIST_CHUNK_BYTES", "2500"), ("PATH", "/usr/bin"));

        var settings = AgentConfigurationLoader.Load(sources, [new(AgentSettingKeys.MaxQueuedScans, "4")]);

        Assert.Equal([TransportAddress.Parse("unix:/run/file.sock")], settings.Listen);
        Assert.Equal(3, settings.MaxConnections);
        Assert.Equal(TimeSpan.FromMilliseconds(300), settings.HeatWindow);
        Assert.Equal(3000, settings.ChunkBytes);
        Assert.Equal(4, settings.MaxQueuedScans);
        Assert.Equal($"{_layers.ConfFile} line 2", settings.Origins[AgentSettingKeys.Listen]);
        Assert.Equal("environment GUESTASSIST_HEAT_WINDOW_MS", settings.Origins[AgentSettingKeys.HeatWindowMs]);
        Assert.StartsWith("kernel command line", settings.Origins[AgentSettingKeys.ChunkBytes], StringComparison.Ordinal);
        Assert.Equal("command line --max-queued-scans", settings.Origins[AgentSettingKeys.MaxQueuedScans]);
        Assert.Equal("default", settings.Origins[AgentSettingKeys.ProcRoot]);
    }

    [Fact]
    public void Kernel_command_line_listen_replaces_the_list_and_accepts_several_addresses()
    {
        _layers.Conf("listen = vsock:6000\n").Cmdline("console=ttyS0 \"guestassist.listen=vsock:5000,serial:org.guestassist.0\" panic=1");

        var settings = AgentConfigurationLoader.Load(_layers.Sources());

        Assert.Equal(
            [TransportAddress.Parse("vsock:5000"), TransportAddress.Parse("serial:/dev/virtio-ports/org.guestassist.0")],
            settings.Listen);
    }

    [Fact]
    public void Cli_listen_flags_win_over_every_layer()
    {
        _layers.Cmdline("guestassist.listen=vsock:5000");

        var settings = AgentConfigurationLoader.Load(_layers.Sources(("GUESTASSIST_LISTEN", "vsock:7000")), [new("listen", "unix:/tmp/a.sock,tcp:127.0.0.1:7000")]);

        Assert.Equal([TransportAddress.Parse("unix:/tmp/a.sock"), TransportAddress.Parse("tcp:127.0.0.1:7000")], settings.Listen);
    }

    [Theory]
    [InlineData("any", null)]
    [InlineData("host", new uint[] { 2 })]
    [InlineData("2, 3", new uint[] { 2, 3 })]
    public void Vsock_peers_accept_any_host_or_a_cid_list(string value, uint[]? expected)
    {
        var settings = AgentConfigurationLoader.Load(_layers.Sources(("GUESTASSIST_VSOCK_PEERS", value)));

        Assert.Equal(expected, settings.VsockPeerCids);
    }

    [Fact]
    public void Bad_values_name_their_layer_and_place()
    {
        _layers.Conf("listen = unix:/run/a.sock\n\nheat_window_ms = soon\n");

        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Load(_layers.Sources()));

        Assert.Equal($"{_layers.ConfFile} line 3: heat_window_ms: \"soon\" is not a whole number in 0..600000", error.Message);
    }

    [Theory]
    [InlineData("guestassist.listen=bogus:1", "kernel command line")]
    [InlineData("guestassist.listen=vsock:cid:port", "kernel command line")]
    public void A_bad_listen_address_on_the_kernel_command_line_is_an_error(string cmdline, string origin)
    {
        _layers.Cmdline(cmdline);

        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Load(_layers.Sources()));

        Assert.StartsWith(origin, error.Message, StringComparison.Ordinal);
        Assert.Contains("listen:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_keys_are_errors_in_files_and_on_the_cli_but_warnings_in_shared_layers()
    {
        _layers.Cmdline("guestassist.frobnicate=1");
        var lenient = AgentConfigurationLoader.Load(_layers.Sources(("GUESTASSIST_LOG", "debug")));
        _layers.Conf("frobnicate = 1\n");
        var fromFile = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Load(_layers.Sources()));
        File.Delete(_layers.ConfFile);
        var fromCli = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Load(_layers.Sources(), [new("frobnicate", "1")]));

        Assert.Equal(2, lenient.Warnings.Count);
        Assert.Contains(lenient.Warnings, w => w.StartsWith("environment GUESTASSIST_LOG", StringComparison.Ordinal));
        Assert.StartsWith($"{_layers.ConfFile} line 1: unknown key \"frobnicate\"", fromFile.Message, StringComparison.Ordinal);
        Assert.StartsWith("command line --frobnicate", fromCli.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("listen", "expected KEY = VALUE")]
    [InlineData("proc_root = relative/path", "not an absolute path")]
    [InlineData("max_connections = 0", "1..65536")]
    public void Malformed_conf_lines_are_rejected(string line, string expected)
    {
        _layers.Conf(line + "\n");

        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Load(_layers.Sources()));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_arrays_and_malformed_json_are_handled()
    {
        _layers.Json("""{ "listen": ["vsock:5000", "unix:/run/ga.sock"] }""");
        var settings = AgentConfigurationLoader.Load(_layers.Sources());
        _layers.Json("{ listen: ");
        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Load(_layers.Sources()));

        Assert.Equal(2, settings.Listen.Count);
        Assert.StartsWith($"{_layers.JsonFile}: not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serving_options_carry_the_settings()
    {
        var settings = AgentConfigurationLoader.Load(_layers.Sources(("GUESTASSIST_CHUNK_BYTES", "4096"), ("GUESTASSIST_VSOCK_PEERS", "any")));

        var options = settings.ToServingOptions();

        Assert.Equal(4096, options.DefaultChunkBytes);
        Assert.Same(VsockPeerPolicy.AnyPeer, options.Transport.VsockPeers);
        Assert.Equal(settings.Listen, options.Listen);
    }

    [Theory]
    [InlineData("log_level = debug\n", "Debug")]
    [InlineData("log_level = WARN\n", "Warning")]
    [InlineData("", "Information")]
    public void Log_level_is_a_key_like_any_other(string conf, string expected)
    {
        var settings = AgentConfigurationLoader.Load(_layers.Conf(conf).Sources());

        Assert.Equal(expected, settings.LogLevel.ToString());
    }

    [Fact]
    public void Log_level_from_the_kernel_command_line_beats_the_file_and_a_bad_one_names_its_place()
    {
        var settings = AgentConfigurationLoader.Load(_layers.Conf("log_level = error\n").Cmdline("quiet guestassist.log_level=trace\n").Sources());
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Trace, settings.LogLevel);

        var error = Assert.Throws<AgentConfigurationException>(() => AgentConfigurationLoader.Load(_layers.Conf("log_level = chatty\n").Cmdline("").Sources()));
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("chatty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Variables_other_parts_read_are_not_warned_about()
    {
        var settings = AgentConfigurationLoader.Load(_layers.Sources(("GUESTASSIST_DAMON", "off"), ("GUESTASSIST_NOSUCH", "1")));

        Assert.Equal("environment GUESTASSIST_NOSUCH: unknown key \"NOSUCH\" (known: " + string.Join(", ", AgentSettingKeys.All) + "); ignored", Assert.Single(settings.Warnings));
    }
}

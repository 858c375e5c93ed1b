// GuestAssist build: ./build.sh [--target=Demo|Build|Test|Publish|Pack|Package|Footprint|Bench] [--configuration=Release]
var target = Argument("target", "Demo");
// Everything this build starts on this machine (tests, demo, benchmarks) keeps away from DAMON: the machine's own
// infrastructure runs kdamond.0 under /sys/kernel/mm/damon. The guest rig's VMs do not inherit it.
System.Environment.SetEnvironmentVariable("GUESTASSIST_DAMON", "off");
var configuration = Argument("configuration", "Release");
var solution = "./GuestAssist.sln";
var artifacts = MakeAbsolute(Directory("./artifacts"));
var agentOut = artifacts.Combine("agent");
var cliOut = artifacts.Combine("cli");
var testResults = artifacts.Combine("test-results");

Task("Clean")
    .Does(() =>
{
    CleanDirectory(artifacts);
});

Task("Build")
    .Does(() =>
{
    DotNetBuild(solution, new DotNetBuildSettings
    {
        Configuration = configuration,
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("ContinuousIntegrationBuild", "true"),
    });
});

Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    CleanDirectory(testResults);
    var settings = new DotNetTestSettings
    {
        Configuration = configuration,
        NoBuild = true,
        NoRestore = true,
        ResultsDirectory = testResults,
        Settings = "./tests/test.runsettings",
        Loggers = { "trx", "console;verbosity=minimal" },
    };
    Exception failure = null;
    try
    {
        DotNetTest(solution, settings);
    }
    catch (Exception e)
    {
        failure = e;
    }
    int passed = 0, failed = 0, skipped = 0;
    foreach (var trx in GetFiles(testResults.FullPath + "/**/*.trx"))
    {
        var counters = System.Xml.Linq.XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += int.Parse(counters.Attribute("passed").Value);
        failed += int.Parse(counters.Attribute("failed").Value);
        skipped += int.Parse(counters.Attribute("notExecuted").Value);
    }
    // Plain line (no colours) so CI can read the totals.
    Console.WriteLine($"tests: {passed} passed, {failed} failed, {skipped} skipped");
    if (failure != null || failed > 0)
    {
        throw new Exception($"{failed} test(s) failed", failure);
    }
});

void PublishSingleFile(string project, DirectoryPath output)
{
    DotNetPublish(project, new DotNetPublishSettings
    {
        Configuration = configuration,
        Runtime = "linux-x64",
        SelfContained = true,
        PublishSingleFile = true,
        PublishTrimmed = true,
        OutputDirectory = output,
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("DebugType", "none"),
    });
}

// The agent is NativeAOT (PublishAot in its csproj): one static-ish ELF, no JIT, ~10 ms to Main.
void PublishNativeAot(string project, DirectoryPath output)
{
    DotNetPublish(project, new DotNetPublishSettings
    {
        Configuration = configuration,
        Runtime = "linux-x64",
        OutputDirectory = output,
        MSBuildSettings = new DotNetMSBuildSettings().WithProperty("DebugType", "none").WithProperty("StripSymbols", "true"),
    });
}

Task("Publish")
    .Does(() =>
{
    PublishNativeAot("./guest/GuestAssist.Agent/GuestAssist.Agent.csproj", agentOut);
    PublishSingleFile("./host/GuestAssist.Cli/GuestAssist.Cli.csproj", cliOut);
    // The CLI is single-file ReadyToRun (its csproj): precompiled, no re-JIT while `uffd-handler` serves faults.
    Information($"agent: {agentOut}/guestassist-agent");
    Information($"cli:   {cliOut}/guestassist");
});

// guestassist-agent_VERSION_amd64.deb (dpkg-deb): the AOT agent in /usr/sbin, the unit, the udev rule,
// /etc/guestassist/agent.conf as a conffile, the man page, copyright, postinst/prerm.
Task("Package")
    .IsDependentOn("Publish")
    .Does(() =>
{
    var version = XmlPeek("./Directory.Build.props", "/Project/PropertyGroup/Version");
    var debOut = artifacts.Combine("deb");
    EnsureDirectoryExists(debOut);
    var exit = StartProcess("bash", new ProcessSettings
    {
        Arguments = new ProcessArgumentBuilder()
            .AppendQuoted("./guest/GuestAssist.Agent/packaging/build-deb.sh")
            .AppendQuoted(agentOut.CombineWithFilePath("guestassist-agent").FullPath)
            .AppendQuoted(debOut.FullPath)
            .Append(version),
    });
    if (exit != 0)
    {
        throw new Exception($"build-deb.sh exited with {exit}");
    }
    Information($"package: {debOut}/guestassist-agent_{version}_amd64.deb");
});

Task("Pack")
    .IsDependentOn("Build")
    .Does(() =>
{
    foreach (var project in new[] { "./shared/GuestAssist.Protocol/GuestAssist.Protocol.csproj", "./shared/GuestAssist.Linux/GuestAssist.Linux.csproj", "./host/GuestAssist.Host/GuestAssist.Host.csproj" })
    {
        DotNetPack(project, new DotNetPackSettings
        {
            Configuration = configuration,
            NoBuild = true,
            OutputDirectory = artifacts.Combine("packages"),
        });
    }
});

bool IsRoot() => System.Environment.UserName == "root";

void Banner(string title)
{
    Information("");
    Information(new string('=', 78));
    Information(title);
    Information(new string('=', 78));
}

// Runs a published tool; a non-zero exit fails the target with the command line in the message.
void RunTool(FilePath tool, string arguments)
{
    Information($"$ {tool.GetFilename()} {arguments}");
    var exit = StartProcess(tool, new ProcessSettings { Arguments = arguments });
    if (exit != 0)
    {
        throw new Exception($"{tool.GetFilename()} {arguments} exited with {exit}");
    }
}

var agentExe = agentOut.CombineWithFilePath("guestassist-agent");
var cliExe = cliOut.CombineWithFilePath("guestassist");

Task("Footprint")
    .IsDependentOn("Publish")
    .Does(() =>
{
    Banner("Agent footprint: exec -> listening, RSS idle / after 50 maps with heat and owners / after idle, idle CPU");
    DotNetRun("./tests/GuestAssist.AgentFootprint/GuestAssist.AgentFootprint.csproj",
        new ProcessArgumentBuilder().AppendQuoted(agentExe.FullPath).Append("50").Append("10"),
        new DotNetRunSettings { Configuration = "Release" });
});

Task("Bench")
    .IsDependentOn("Publish")
    .IsDependentOn("Footprint")
    .Does(() =>
{
    Banner("Guest scan: our scan+classify vs a raw read of /proc/kpageflags + /proc/kpagecount");
    RunTool(agentExe, "scan --bench");
    Banner("Post-copy engine: fault service under load, install rate vs raw UFFDIO_COPY");
    DotNetRun("./tests/GuestAssist.Benchmarks/GuestAssist.Benchmarks.csproj",
        new ProcessArgumentBuilder().Append("engine"),
        new DotNetRunSettings { Configuration = "Release" });
    Banner("Throttling: a rogue dirtying 1 GiB beside a CPU-bound neighbour, 100 MiB/s budget, against a whole-VM throttle at the same rogue rate");
    RunTool(agentExe, "bench-throttle");
    RunTool(agentExe, "bench-throttle --method cgroup-cpu");
    Banner("Guest rig: the agent's map in real Debian 6.1/6.12 guests under QEMU TCG, against ground truth read from guest RAM");
    DotNetTest("./tests/GuestAssist.GuestRig.Tests/GuestAssist.GuestRig.Tests.csproj", new DotNetTestSettings
    {
        Configuration = "Release",
        Filter = "Category=GuestRigBench",
        Loggers = { "console;verbosity=detailed" },
    });
    Banner("Migration (#13): a Debian 6.12 guest under QEMU 10 TCG evicted over a shaped 1 Gbit/s link by GuestAssist and by QEMU's own post-copy and pre-copy");
    // Short by default (workload a, one run of each method, ~7 min); --migration-runs=3 --migration-workloads=a-kv,b-rogue,c-large for the full one.
    System.Environment.SetEnvironmentVariable("GUESTASSIST_MIGRATION_BENCH", "1");
    System.Environment.SetEnvironmentVariable("GUESTASSIST_MIGRATION_RUNS", Argument("migration-runs", "1"));
    System.Environment.SetEnvironmentVariable("GUESTASSIST_MIGRATION_WORKLOADS", Argument("migration-workloads", "a-kv"));
    DotNetTest("./tests/GuestAssist.GuestRig.Tests/GuestAssist.GuestRig.Tests.csproj", new DotNetTestSettings
    {
        Configuration = "Release",
        Filter = "Category=MigrationBench",
        Loggers = { "console;verbosity=detailed" },
    });
    Banner("Micro-benchmarks (BenchmarkDotNet, short job): frame codec, class-map codec, planner, classifier");
    DotNetRun("./tests/GuestAssist.Benchmarks/GuestAssist.Benchmarks.csproj",
        new ProcessArgumentBuilder().Append("--filter").Append("*").Append("--job").Append("short").Append("--inProcess").Append("--artifacts").AppendQuoted(artifacts.Combine("bench").FullPath),
        new DotNetRunSettings { Configuration = "Release" });
});

Task("Demo")
    .IsDependentOn("Publish")
    .Does(() =>
{
    if (!IsRoot())
    {
        Warning("not root: the scan runs degraded and the userfaultfd demo may be refused; run as root for the full demo");
    }
    Banner("1. What the guest agent sees: every page frame of this machine, classified");
    RunTool(agentExe, "scan");

    Banner("2. Host and agent over the wire protocol (Unix socket; vsock/hybrid vsock in a real guest)");
    var demoDir = artifacts.Combine("demo");
    EnsureDirectoryExists(demoDir);
    var socket = demoDir.CombineWithFilePath("agent.sock").FullPath;
    if (FileExists(socket)) { DeleteFile(socket); }
    using (var agent = StartAndReturnProcess(agentExe, new ProcessSettings { Arguments = $"serve --listen unix:{socket}" }))
    {
        try
        {
            var waited = 0;
            while (!FileExists(socket) && waited < 15000) { System.Threading.Thread.Sleep(100); waited += 100; }
            RunTool(cliExe, $"agent status --connect unix:{socket}");
            RunTool(cliExe, $"agent map --connect unix:{socket}");
        }
        finally
        {
            agent.Kill();
        }
    }

    Banner("3. Urgent eviction of a 256 MiB VM over a 1 Gbit/s link: QEMU-like address order vs enlightened (with and without pre-paging around faults)");
    RunTool(cliExe, "migrate-demo --size 256MiB --link 1gbit --policy all");
});

RunTarget(target);

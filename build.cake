// GuestAssist build: ./build.sh [--target=Demo|Build|Test|Publish|Pack|Bench] [--configuration=Release]
var target = Argument("target", "Demo");
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
    Information($"tests: {passed} passed, {failed} failed, {skipped} skipped");
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

Task("Publish")
    .Does(() =>
{
    PublishSingleFile("./guest/GuestAssist.Agent/GuestAssist.Agent.csproj", agentOut);
    PublishSingleFile("./host/GuestAssist.Cli/GuestAssist.Cli.csproj", cliOut);
    Information($"agent: {agentOut}/guestassist-agent");
    Information($"cli:   {cliOut}/guestassist");
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

Task("Bench")
    .IsDependentOn("Publish")
    .Does(() =>
{
    DotNetRun("./tests/GuestAssist.Benchmarks/GuestAssist.Benchmarks.csproj", new ProcessArgumentBuilder().Append("--filter").Append("*").Append("--job").Append("short"), new DotNetRunSettings { Configuration = "Release" });
});

Task("Demo")
    .IsDependentOn("Publish")
    .Does(() =>
{
    Information("GuestAssist demo");
});

RunTarget(target);

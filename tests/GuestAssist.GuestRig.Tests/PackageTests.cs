using System.Globalization;
using GuestAssist.GuestRig.Tests.Analysis;
using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// Issue #11 in real guests: every guest runs the agent from its .deb (unpacked with dpkg-deb into the image, as
/// an install lays it out), and the installed agent starts serving. Exec → listening under TCG is printed, and
/// only bounded loosely here (speed lives in the bench table).
/// </summary>
[Collection(GuestRigCollection.Name)]
[Trait("Category", "GuestRig")]
public sealed class PackageTests(GuestRigFixture rig, ITestOutputHelper output)
{
    [GuestRigTheory]
    [InlineData("6.1", StandardScenarios.SmallMiB)]
    [InlineData("6.12", StandardScenarios.SmallMiB)]
    [InlineData("6.1", StandardScenarios.LargeMiB)]
    [InlineData("6.12", StandardScenarios.LargeMiB)]
    public async Task The_installed_package_has_its_files_and_its_agent_starts_serving(string kernel, int memoryMiB)
    {
        var run = await rig.RunAsync(kernel, memoryMiB, output);
        var package = run.Package;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{kernel} {memoryMiB} MiB: {package.Version}; {package.Present.Count} files; exec -> listening {package.ListenSeconds:0.000} s"));
        Assert.Empty(package.Missing);
        Assert.Equal(PackageCheck.Files.Length, package.Present.Count);
        Assert.Matches(@"^\d+\.\d+\.\d+", package.Version);
        Assert.True(package.ListenSeconds is not null, $"the installed agent never listened: {package.Failure}");
        Assert.InRange(package.ListenSeconds!.Value, 0, 10);
    }
}

using GuestAssist.GuestRig.Tests.Migration;
using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// GuestAssist evicts a real guest end to end (issue #13's rig, one short run): a Debian 6.12 guest under QEMU 10
/// with the agent inside, the dirty log from the source QEMU's WP_ASYNC uffd, the planner skipping the free frames
/// it proved, `uffd-handler --source` serving the destination QEMU over the shaped link; every word the service
/// holds must be right afterwards. Runs after the rig's standard boots, so it never shares the CPUs with their
/// measurements.
/// </summary>
[Collection(GuestRigCollection.Name)]
[Trait("Category", "GuestRig")]
public sealed class MigrationTests(GuestRigFixture rig, ITestOutputHelper output)
{
    [GuestRigFact]
    public async Task GuestAssist_evicts_a_real_guest_skipping_proven_free_frames_and_every_word_arrives()
    {
        foreach (var (kernel, memory) in StandardScenarios.All())
        {
            try
            {
                await rig.RunAsync(kernel, memory, output);
            }
            catch (GuestRunException)
            {
                // judged by the tests that use that boot
            }
        }
        var (inputs, skip) = await MigrationInputsBuilder.BuildAsync([MigrationWorkload.KeyValue]);
        if (inputs is null)
        {
            output.WriteLine($"not run: {skip}");
            return;
        }
        await using var link = await ShapedLink.CreateAsync(1_000_000_000);
        var record = await MigrationRun.RunAsync(inputs, MigrationWorkload.KeyValue, MigrationMethod.GuestAssistEnlightened, 1, link,
            Path.Combine(RepositoryPaths.Artifacts, "migration-test"), windowSeconds: 15, output.WriteLine);

        output.WriteLine(MigrationReport.Table([record]));
        output.WriteLine(record.Notes);
        Assert.True(record.IntegrityOk, $"{record.IntegrityErrors} wrong words, {record.VerifiedPages} pages verified");
        Assert.Contains("skipping enabled", record.Notes, StringComparison.Ordinal);
        Assert.False(double.IsNaN(record.SourceFreeSeconds), "the session never reported the source free");
        Assert.True(record.BlackoutMilliseconds < 2000, $"blackout {record.BlackoutMilliseconds:0} ms");
    }
}

using System.Collections.Concurrent;
using GuestAssist.GuestRig.Tests.Analysis;
using GuestAssist.GuestRig.Tests.Building;
using GuestAssist.GuestRig.Tests.Scenarios;
using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests;

/// <summary>
/// Shared by every rig test: prepares once (prepare.sh through <see cref="RigAvailability"/>, the
/// NativeAOT agent, rigload), then boots the standard scenarios two at a time in the background as soon
/// as the first test asks, so each boot serves several tests.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes fixtures through IAsyncLifetime.DisposeAsync, which disposes the semaphore")]
public sealed class GuestRigFixture : IAsyncLifetime
{
    /// <summary>Two TCG guests at once: one per host core.</summary>
    private readonly SemaphoreSlim _slots = new(2);
    private readonly ConcurrentDictionary<(string, int), Lazy<Task<GuestRun>>> _runs = new();
    private readonly Lazy<Task<RigInputs>> _inputs = new(PrepareAsync);

    public Task InitializeAsync()
    {
        if (RigAvailability.SkipReason is null)
        {
            foreach (var (kernel, memory) in StandardScenarios.All())
            {
                _ = RunTask(kernel, memory); // observed by the tests that await it
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Waits for every boot started (each kills its QEMU and deletes its RAM file), then frees the slots.</summary>
    public async Task DisposeAsync()
    {
        foreach (var run in _runs.Values.Where(r => r.IsValueCreated))
        {
            try
            {
                await run.Value;
            }
            catch (GuestRunException)
            {
                // reported by the tests that awaited it
            }
        }
        _slots.Dispose();
    }

    public Task<RigInputs> InputsAsync() => _inputs.Value;

    /// <summary>The standard boot of this kernel and size; on failure writes the guest's console to <paramref name="output"/>.</summary>
    public async Task<GuestRun> RunAsync(string kernel, int memoryMiB, ITestOutputHelper output)
    {
        try
        {
            var run = await RunTask(kernel, memoryMiB);
            output.WriteLine($"guest console: {run.ConsoleLogPath}");
            return run;
        }
        catch (GuestRunException ex)
        {
            output.WriteLine($"guest console ({ex.ConsoleLogPath}):");
            output.WriteLine(ex.Console);
            throw;
        }
    }

    private Task<GuestRun> RunTask(string kernel, int memoryMiB) =>
        _runs.GetOrAdd((kernel, memoryMiB), key => new Lazy<Task<GuestRun>>(() => BootAsync(key.Item1, key.Item2))).Value;

    private async Task<GuestRun> BootAsync(string kernel, int memoryMiB)
    {
        var inputs = await InputsAsync();
        await _slots.WaitAsync();
        try
        {
            return await GuestRunner.RunAsync(StandardScenarios.For(kernel, memoryMiB, inputs.HeatScans), inputs);
        }
        finally
        {
            _slots.Release();
        }
    }

    private static async Task<RigInputs> PrepareAsync()
    {
        var cache = RigAvailability.CacheDirectory;
        var agent = AgentPublisher.PublishAsync();
        var rigload = RigloadBuilder.BuildAsync();
        var binary = await agent;
        var package = await AgentPackager.BuildAsync(binary);
        return new RigInputs(cache, binary, package, await rigload, await ScanMethodSelection.SelectAsync(binary));
    }
}

using System.Runtime.CompilerServices;

namespace GuestAssist.IntegrationTests;

/// <summary>
/// The test host holds two thread-pool threads for the whole run (vstest's message loop polls its socket, xunit's
/// runner waits for the assembly). On a 2-core machine that is the whole minimum, so the tests' own continuations
/// waited for the pool to grow: stalls of 0.7–1 s, longer than the heartbeat timeouts the throttling tests set.
/// </summary>
internal static class TestHostThreadPool
{
#pragma warning disable CA2255 // A test assembly, not a library: the whole test host is meant to get this.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Widen()
    {
        ThreadPool.GetMinThreads(out var workers, out var completions);
        ThreadPool.SetMinThreads(Math.Max(workers, 8), Math.Max(completions, 8));
    }
}

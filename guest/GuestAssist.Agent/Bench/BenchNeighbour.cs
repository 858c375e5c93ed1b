namespace GuestAssist.Agent.Bench;

/// <summary>The throttle benchmark's neighbour: steady CPU work that dirties nothing (its throughput is its CPU time).</summary>
internal static class BenchNeighbour
{
    public static int Run()
    {
        ulong x = 88172645463325252;
        while (true)
        {
            // xorshift: registers only, no stores to memory.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if (x == 0)
            {
                return 1;
            }
        }
    }
}

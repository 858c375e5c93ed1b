using GuestAssist.Linux.Threading;

namespace GuestAssist.Linux.Tests.Threading;

public class LatencyCriticalThreadTests
{
    [Fact]
    public void A_latency_critical_thread_runs_real_time_when_allowed_and_only_that_thread()
    {
        string? how = null;
        string? policy = null;
        var thread = new Thread(() =>
        {
            how = LatencyCriticalThread.Enter();
            policy = Field(ThreadNice.CurrentThreadId(), 41);
        });
        thread.Start();
        thread.Join();

        if (Environment.UserName == "root")
        {
            Assert.Equal("SCHED_FIFO 1", how);
            Assert.Equal("1", policy); // SCHED_FIFO
        }
        else
        {
            Assert.NotEqual("SCHED_FIFO 1", how);
            Assert.Equal("0", policy);
        }
        Assert.Equal("0", Field(ThreadNice.CurrentThreadId(), 41));
    }

    /// <summary>Field <paramref name="number"/> (1-based, as proc(5) counts) of /proc/self/task/TID/stat.</summary>
    private static string Field(int tid, int number)
    {
        var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[number - 3];
    }
}

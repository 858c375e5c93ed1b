using GuestAssist.Linux.Threading;

namespace GuestAssist.Linux.Tests.Threading;

public class ThreadNiceTests
{
    [Fact]
    public void Lowering_a_thread_changes_only_that_thread()
    {
        int tid = 0;
        var set = false;
        string? niceField = null;
        var thread = new Thread(() =>
        {
            tid = ThreadNice.CurrentThreadId();
            set = ThreadNice.TrySetCurrent(7);
            // Field 19 of /proc/self/task/<tid>/stat is the nice value.
            var stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
            niceField = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16];
        });
        thread.Start();
        thread.Join();

        Assert.True(set);
        Assert.Equal("7", niceField);
        var mine = File.ReadAllText($"/proc/self/task/{ThreadNice.CurrentThreadId()}/stat");
        Assert.NotEqual("7", mine[(mine.LastIndexOf(')') + 2)..].Split(' ')[16]);
    }
}

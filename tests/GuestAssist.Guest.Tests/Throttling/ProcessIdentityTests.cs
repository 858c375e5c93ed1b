using GuestAssist.Guest.Tests.Support;
using GuestAssist.Guest.Throttling;

namespace GuestAssist.Guest.Tests.Throttling;

public sealed class ProcessIdentityTests : IDisposable
{
    private const int Pid = 4242;
    private const ulong StartTicks = 987654;
    private readonly FixtureProcFs _fixture = new(16);

    public void Dispose() => _fixture.Dispose();

    [Theory]
    [InlineData('S', StartTicks, true)]
    [InlineData('T', StartTicks, true)]
    [InlineData('Z', StartTicks, false)] // exited, its parent has not waited for it yet (maybe never will)
    [InlineData('X', StartTicks, false)]
    [InlineData('S', StartTicks + 1, false)] // the pid was reused
    public void A_process_is_alive_while_it_is_the_same_one_and_has_not_exited(char state, ulong startTicks, bool alive)
    {
        WriteStat(state, startTicks);

        Assert.Equal(alive, new ProcessIdentity(Pid, StartTicks).IsAlive(_fixture.Paths));
    }

    [Fact]
    public void A_process_without_a_proc_entry_is_not_alive() =>
        Assert.False(new ProcessIdentity(Pid, StartTicks).IsAlive(_fixture.Paths));

    private void WriteStat(char state, ulong startTicks)
    {
        Directory.CreateDirectory(Path.Combine(_fixture.Paths.ProcRoot, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        // Fields 3 to 22 of /proc/PID/stat: state, ppid, ..., flags (9), utime (14), stime (15), ..., starttime (22).
        _fixture.WriteText($"{Pid}/stat", $"{Pid} (guestassist-age) {state} 1 {Pid} {Pid} 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 4 0 {startTicks} 1000 100 18446744073709551615\n");
    }
}

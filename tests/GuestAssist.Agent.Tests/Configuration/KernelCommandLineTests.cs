using GuestAssist.Agent.Configuration;

namespace GuestAssist.Agent.Tests.Configuration;

public sealed class KernelCommandLineTests
{
    [Fact]
    public void Picks_only_guestassist_parameters_and_honours_quotes()
    {
        var found = KernelCommandLine.Parse("BOOT_IMAGE=/boot/vmlinuz ro guestassist.listen=vsock:5000 \"guestassist.proc_root=/host proc\" guestassist.flag quiet\n");

        Assert.Equal(
            [new("listen", "vsock:5000"), new("proc_root", "/host proc"), new("flag", "")],
            found);
    }

    [Fact]
    public void An_empty_command_line_has_nothing()
    {
        Assert.Empty(KernelCommandLine.Parse(""));
    }
}

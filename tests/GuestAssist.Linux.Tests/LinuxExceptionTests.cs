using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Tests;

public class LinuxExceptionTests
{
    [Fact]
    public void Message_names_call_path_and_errno()
    {
        var error = new LinuxException(Errno.ENOENT, "open", "/nope");
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.StartsWith("open(/nope) failed: ENOENT", error.Message);
    }
}

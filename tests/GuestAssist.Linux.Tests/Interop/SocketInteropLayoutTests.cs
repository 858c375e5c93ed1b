using GuestAssist.Linux.Interop;
using GuestAssist.Linux.Tests.Transports;
using GuestAssist.Linux.Transports;
using GuestAssist.Linux.Transports.Serial;

namespace GuestAssist.Linux.Tests.Interop;

/// <summary>Pins the x86_64 constants and struct layouts the transports pass to libc.</summary>
public class SocketInteropLayoutTests
{
    [Fact]
    public void Socket_type_flags() =>
        Assert.Equal((1, 0x80000), (Libc.SOCK_STREAM, Libc.SOCK_CLOEXEC));

    [Fact]
    public void Open_flags() =>
        Assert.Equal((0, 2, 0x100, 0x800, 0x80000), (Libc.O_RDONLY, Libc.O_RDWR, Libc.O_NOCTTY, Libc.O_NONBLOCK, Libc.O_CLOEXEC));

    [Fact]
    public void Eventfd_flags() =>
        Assert.Equal((0x80000, 0x800), (SerialPortStream.EfdCloexec, SerialPortStream.EfdNonblock));

    [Fact]
    public void Poll_events() =>
        Assert.Equal((1, 4, 8, 0x10, 0x20), (PollFd.In, SerialPortStream.PollOut, PollFd.Error, PollFd.HangUp, PollFd.Invalid));

    [Fact]
    public unsafe void Pollfd_is_8_bytes_fd_events_revents()
    {
        var fd = default(PollFd);
        var start = (byte*)&fd;

        Assert.Equal(8, sizeof(PollFd));
        Assert.Equal(0, (int)((byte*)&fd.Fd - start));
        Assert.Equal(4, (int)((byte*)&fd.Events - start));
        Assert.Equal(6, (int)((byte*)&fd.ReturnedEvents - start));
    }

    [Fact]
    public void Termios_buffer_covers_glibc_struct_termios() =>
        Assert.True(Libc.TermiosBufferSize >= 60);

    [Fact]
    public void Stat_mode_bits() =>
        Assert.Equal((0xF000u, 0xC000u, 0x4000u, 0x2000u), (Libc.S_IFMT, Libc.S_IFSOCK, Libc.S_IFDIR, Libc.S_IFCHR));

    [Theory]
    [InlineData("/tmp", Libc.S_IFDIR)]
    [InlineData("/dev/null", Libc.S_IFCHR)]
    public void Lstat_mode_is_read_at_offset_24(string path, uint expected) =>
        Assert.Equal(expected, UnixSocketFile.FileType(path));

    [Fact]
    public void Lstat_sees_a_unix_socket_and_a_missing_path()
    {
        var directory = Directory.CreateTempSubdirectory("ga");
        try
        {
            var path = Path.Combine(directory.FullName, "s");
            StaleUnixSocket.CreateAt(path);

            Assert.Equal(Libc.S_IFSOCK, UnixSocketFile.FileType(path));
            Assert.Null(UnixSocketFile.FileType(Path.Combine(directory.FullName, "missing")));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Stat_buffer_is_sizeof_struct_stat() =>
        Assert.Equal((144, 24), (Libc.StatSize, Libc.StatModeOffset));
}

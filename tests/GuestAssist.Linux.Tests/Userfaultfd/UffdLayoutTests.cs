using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using GuestAssist.Linux.Interop;
using GuestAssist.Linux.Pagemap;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Linux.Tests.Userfaultfd;

public class UffdLayoutTests
{
    // _IOC(dir, type, nr, size) = dir << 30 | size << 16 | type << 8 | nr; READ 2, WRITE 1.
    private static ulong Ioc(ulong dir, ulong type, ulong nr, ulong size) => (dir << 30) | (size << 16) | (type << 8) | nr;

    [Fact]
    public void Ioctl_numbers_match_the_kernel_encoding_and_reference()
    {
        Assert.Equal(0xC018AA3FUL, (ulong)UffdRequest.Api);
        Assert.Equal((ulong)UffdRequest.Api, Ioc(3, 0xAA, 0x3F, 24));
        Assert.Equal(0xC020AA00UL, (ulong)UffdRequest.Register);
        Assert.Equal((ulong)UffdRequest.Register, Ioc(3, 0xAA, 0x00, 32));
        Assert.Equal(0x8010AA01UL, (ulong)UffdRequest.Unregister);
        Assert.Equal((ulong)UffdRequest.Unregister, Ioc(2, 0xAA, 0x01, 16));
        Assert.Equal(0x8010AA02UL, (ulong)UffdRequest.Wake);
        Assert.Equal(0xC028AA03UL, (ulong)UffdRequest.Copy);
        Assert.Equal((ulong)UffdRequest.Copy, Ioc(3, 0xAA, 0x03, 40));
        Assert.Equal(0xC020AA04UL, (ulong)UffdRequest.ZeroPage);
        Assert.Equal(0xC028AA05UL, (ulong)UffdRequest.Move);
        Assert.Equal(0xC018AA06UL, (ulong)UffdRequest.WriteProtect);
        Assert.Equal(0xC020AA07UL, (ulong)UffdRequest.Continue);
        Assert.Equal(0xAA00UL, (ulong)UffdRequest.DeviceNew);
        Assert.Equal(0xAAUL, UffdRequest.ApiVersion);
        Assert.Equal(323, (int)UffdRequest.SyscallNumber);
        Assert.Equal(0xC0606610UL, (ulong)PmScanArg.Request);
        Assert.Equal((ulong)PmScanArg.Request, Ioc(3, 'f', 16, 96));
    }

    [Fact]
    public void Struct_sizes_and_offsets_match_the_uapi()
    {
        Assert.Equal(24, Unsafe.SizeOf<UffdioApi>());
        Assert.Equal(16, Unsafe.SizeOf<UffdioRange>());
        Assert.Equal(32, Unsafe.SizeOf<UffdioRegister>());
        Assert.Equal(16, (int)Marshal.OffsetOf<UffdioRegister>(nameof(UffdioRegister.Mode)));
        Assert.Equal(24, (int)Marshal.OffsetOf<UffdioRegister>(nameof(UffdioRegister.Ioctls)));
        Assert.Equal(40, Unsafe.SizeOf<UffdioCopy>());
        Assert.Equal(24, (int)Marshal.OffsetOf<UffdioCopy>(nameof(UffdioCopy.Mode)));
        Assert.Equal(32, (int)Marshal.OffsetOf<UffdioCopy>(nameof(UffdioCopy.Copy)));
        Assert.Equal(32, Unsafe.SizeOf<UffdioZeroPage>());
        Assert.Equal(16, (int)Marshal.OffsetOf<UffdioZeroPage>(nameof(UffdioZeroPage.Mode)));
        Assert.Equal(24, (int)Marshal.OffsetOf<UffdioZeroPage>(nameof(UffdioZeroPage.ZeroPage)));
        Assert.Equal(24, Unsafe.SizeOf<UffdioWriteProtect>());
        Assert.Equal(32, Unsafe.SizeOf<UffdMessage>());
        Assert.Equal(8, (int)Marshal.OffsetOf<UffdMessage>(nameof(UffdMessage.Arg0)));
        Assert.Equal(16, (int)Marshal.OffsetOf<UffdMessage>(nameof(UffdMessage.Arg1)));
        Assert.Equal(24, (int)Marshal.OffsetOf<UffdMessage>(nameof(UffdMessage.ThreadId)));
        Assert.Equal(96, Unsafe.SizeOf<PmScanArg>());
        Assert.Equal(88, (int)Marshal.OffsetOf<PmScanArg>(nameof(PmScanArg.ReturnMask)));
        Assert.Equal(24, Unsafe.SizeOf<PageRegion>());
        Assert.Equal(8, Unsafe.SizeOf<PollFd>());
        Assert.Equal(16, Unsafe.SizeOf<IoVector>());
        Assert.Equal(56, Unsafe.SizeOf<MessageHeader>());
        Assert.Equal(48, (int)Marshal.OffsetOf<MessageHeader>(nameof(MessageHeader.Flags)));
        Assert.Equal(16, Unsafe.SizeOf<ControlMessageHeader>());
    }

    [Fact]
    public void Constants_match_the_uapi()
    {
        Assert.Equal(1UL << 3, (ulong)UffdFeatures.EventRemove);
        Assert.Equal(1UL << 8, (ulong)UffdFeatures.ThreadId);
        Assert.Equal(1UL << 13, (ulong)UffdFeatures.WpUnpopulated);
        Assert.Equal(1UL << 15, (ulong)UffdFeatures.WpAsync);
        Assert.Equal(1UL << 16, (ulong)UffdFeatures.Move);
        Assert.Equal(1UL, (ulong)UffdRegisterMode.Missing);
        Assert.Equal(2UL, (ulong)UffdRegisterMode.WriteProtect);
        Assert.Equal(4UL, (ulong)UffdRegisterMode.Minor);
        Assert.Equal(0x12, (int)UffdEventKind.Pagefault);
        Assert.Equal(0x13, (int)UffdEventKind.Fork);
        Assert.Equal(0x14, (int)UffdEventKind.Remap);
        Assert.Equal(0x15, (int)UffdEventKind.Remove);
        Assert.Equal(0x16, (int)UffdEventKind.Unmap);
        Assert.Equal(1UL << 3, (ulong)UffdIoctls.Copy);
        Assert.Equal(1UL << 0x3F, (ulong)UffdIoctls.Api);
        Assert.Equal(1UL, UffdRequest.CopyModeDontWake);
        Assert.Equal(2UL, UffdRequest.CopyModeWriteProtect);
        Assert.Equal(1UL, UffdRequest.WriteProtectModeWp);
        Assert.Equal(2UL, UffdRequest.WriteProtectModeDontWake);
        Assert.Equal(1UL << 1, (ulong)PageCategories.Written);
        Assert.Equal(1UL << 3, (ulong)PageCategories.Present);
        Assert.Equal(3UL, (ulong)(PagemapScanFlags.WpMatching | PagemapScanFlags.CheckWpAsync));
    }

    [Fact]
    public void Messages_decode_by_kind()
    {
        var fault = UffdEvent.FromMessage(new UffdMessage { Event = 0x12, Arg0 = 1, Arg1 = 0x7000_1000, Arg2 = 42 });
        Assert.Equal(UffdEventKind.Pagefault, fault.Kind);
        Assert.Equal(0x7000_1000UL, fault.Address);
        Assert.Equal(UffdPagefaultFlags.Write, fault.PagefaultFlags);
        Assert.Equal(42U, fault.ThreadId);
        var remove = UffdEvent.FromMessage(new UffdMessage { Event = 0x15, Arg0 = 0x1000, Arg1 = 0x3000 });
        Assert.Equal((UffdEventKind.Remove, 0x1000UL, 0x3000UL), (remove.Kind, remove.Start, remove.End));
    }
}

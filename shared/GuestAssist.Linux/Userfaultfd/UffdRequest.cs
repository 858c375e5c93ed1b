namespace GuestAssist.Linux.Userfaultfd;

/// <summary>userfaultfd ioctl request numbers and kernel constants (include/uapi/linux/userfaultfd.h).</summary>
internal static class UffdRequest
{
    internal const ulong ApiVersion = 0xAA;
    internal const nint SyscallNumber = 323;
    internal const int UserModeOnly = 1;
    internal const int OCloexec = 0x80000;
    internal const int ONonblock = 0x800;
    internal const string DevicePath = "/dev/userfaultfd";
    internal const nuint DeviceNew = 0xAA00;

    internal const nuint Api = 0xC018AA3F;
    internal const nuint Register = 0xC020AA00;
    internal const nuint Unregister = 0x8010AA01;
    internal const nuint Wake = 0x8010AA02;
    internal const nuint Copy = 0xC028AA03;
    internal const nuint ZeroPage = 0xC020AA04;
    internal const nuint Move = 0xC028AA05;
    internal const nuint WriteProtect = 0xC018AA06;
    internal const nuint Continue = 0xC020AA07;

    internal const ulong CopyModeDontWake = 1;
    internal const ulong CopyModeWriteProtect = 2;
    internal const ulong ZeroPageModeDontWake = 1;
    internal const ulong WriteProtectModeWp = 1;
    internal const ulong WriteProtectModeDontWake = 2;

    internal const int MessageSize = 32;
}

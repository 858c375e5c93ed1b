namespace GuestAssist.Linux.Vsock;

/// <summary>AF_VSOCK kernel constants and the sockaddr_vm layout (linux/vm_sockets.h).</summary>
internal static class VsockKernel
{
    public const int AddressFamily = 40;
    public const int SolVsock = 287;

    /// <summary>IOCTL_VM_SOCKETS_GET_LOCAL_CID, issued on /dev/vsock.</summary>
    public const uint IoctlGetLocalCid = 0x7B9;

    /// <summary>VMADDR_FLAG_TO_HOST in svm_flags.</summary>
    public const byte FlagToHost = 1;

    public const int SockaddrSize = 16;
    public const int FamilyOffset = 0;
    public const int ReservedOffset = 2;
    public const int PortOffset = 4;
    public const int CidOffset = 8;
    public const int FlagsOffset = 12;

    public const string DevicePath = "/dev/vsock";
}

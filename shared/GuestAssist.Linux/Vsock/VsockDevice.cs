using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Vsock;

/// <summary>The /dev/vsock control device.</summary>
internal static class VsockDevice
{
    /// <summary>This machine's own CID (IOCTL_VM_SOCKETS_GET_LOCAL_CID on /dev/vsock).</summary>
    public static unsafe uint GetLocalCid(string devicePath = VsockKernel.DevicePath)
    {
        var fd = Libc.Open(devicePath, Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (fd < 0)
        {
            LinuxException.ThrowLast("open", devicePath);
        }

        using var handle = new FileDescriptorHandle(fd);
        uint cid = 0;
        // SAFETY: the ioctl writes one u32 into cid, which lives on this stack frame for the call.
        var result = Libc.Ioctl(handle, VsockKernel.IoctlGetLocalCid, &cid);
        if (result < 0)
        {
            LinuxException.ThrowLast("ioctl(IOCTL_VM_SOCKETS_GET_LOCAL_CID)", devicePath);
        }

        return cid;
    }
}

using System.Runtime.InteropServices;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux;

/// <summary>An owned Linux file descriptor, closed with close(2) when released.</summary>
public sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public FileDescriptorHandle(int fd, bool ownsHandle = true)
        : base(invalidHandleValue: -1, ownsHandle) => SetHandle(fd);

    /// <summary>The raw descriptor, for logs and for kernel structures that carry numbers; interop calls take the handle itself.</summary>
    public int Fd => (int)handle;

    public override bool IsInvalid => handle < 0;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}

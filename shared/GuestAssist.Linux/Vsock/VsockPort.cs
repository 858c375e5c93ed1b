namespace GuestAssist.Linux.Vsock;

/// <summary>Well-known vsock ports (linux/vm_sockets.h).</summary>
internal static class VsockPort
{
    /// <summary>VMADDR_PORT_ANY: let the kernel pick a free port on bind.</summary>
    public const uint Any = 0xFFFF_FFFF;
}

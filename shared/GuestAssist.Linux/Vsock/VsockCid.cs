namespace GuestAssist.Linux.Vsock;

/// <summary>Well-known vsock context ids (linux/vm_sockets.h).</summary>
internal static class VsockCid
{
    /// <summary>VMADDR_CID_ANY: bind to whatever CID this machine has.</summary>
    public const uint Any = 0xFFFF_FFFF;

    /// <summary>VMADDR_CID_HYPERVISOR.</summary>
    public const uint Hypervisor = 0;

    /// <summary>VMADDR_CID_LOCAL: loopback inside one machine.</summary>
    public const uint Local = 1;

    /// <summary>VMADDR_CID_HOST: the host, as seen from a guest.</summary>
    public const uint Host = 2;
}

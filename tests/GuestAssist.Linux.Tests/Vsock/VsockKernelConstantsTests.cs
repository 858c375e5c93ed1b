using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Tests.Vsock;

/// <summary>Pins linux/vm_sockets.h and linux/socket.h values.</summary>
public class VsockKernelConstantsTests
{
    [Fact]
    public void Address_family_and_socket_level() =>
        Assert.Equal((40, 287), (VsockKernel.AddressFamily, VsockKernel.SolVsock));

    [Fact]
    public void Well_known_cids_and_ports()
    {
        Assert.Equal(0xFFFF_FFFFu, VsockCid.Any);
        Assert.Equal(0u, VsockCid.Hypervisor);
        Assert.Equal(1u, VsockCid.Local);
        Assert.Equal(2u, VsockCid.Host);
        Assert.Equal(0xFFFF_FFFFu, VsockPort.Any);
    }

    [Fact]
    public void Local_cid_ioctl_and_flags()
    {
        Assert.Equal(0x7B9u, VsockKernel.IoctlGetLocalCid);
        Assert.Equal(1, VsockKernel.FlagToHost);
    }

    [Fact]
    public void Sockaddr_vm_layout() =>
        Assert.Equal(
            (16, 0, 2, 4, 8, 12),
            (VsockKernel.SockaddrSize, VsockKernel.FamilyOffset, VsockKernel.ReservedOffset, VsockKernel.PortOffset, VsockKernel.CidOffset, VsockKernel.FlagsOffset));
}

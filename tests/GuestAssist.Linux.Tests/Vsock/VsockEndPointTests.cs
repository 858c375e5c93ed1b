using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Tests.Vsock;

public class VsockEndPointTests
{
    [Fact]
    public void Serialize_writes_sockaddr_vm_byte_for_byte()
    {
        var address = new VsockEndPoint(cid: 0x0403_0201, port: 0x0807_0605, flags: VsockKernel.FlagToHost).Serialize();

        Assert.Equal(16, address.Size);
        byte[] expected =
        [
            40, 0, // svm_family = AF_VSOCK
            0, 0, // svm_reserved1
            0x05, 0x06, 0x07, 0x08, // svm_port
            0x01, 0x02, 0x03, 0x04, // svm_cid
            1, // svm_flags = VMADDR_FLAG_TO_HOST
            0, 0, 0, // svm_zero
        ];
        Assert.Equal(expected, address.Buffer.Span[..address.Size].ToArray());
    }

    [Fact]
    public void Create_reads_port_at_4_and_cid_at_8()
    {
        var template = new VsockEndPoint(VsockCid.Any, VsockPort.Any);
        var address = template.Serialize();
        byte[] kernelBytes = [40, 0, 0, 0, 0x39, 0x05, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];
        kernelBytes.CopyTo(address.Buffer.Span);

        var peer = Assert.IsType<VsockEndPoint>(template.Create(address));

        Assert.Equal(VsockCid.Host, peer.Cid);
        Assert.Equal(1337u, peer.Port);
        Assert.Equal(0, peer.Flags);
    }

    [Theory]
    [InlineData(VsockCid.Any, VsockPort.Any)]
    [InlineData(VsockCid.Host, 52u)]
    [InlineData(VsockCid.Local, 0u)]
    [InlineData(3u, 1024u)]
    public void Write_then_Read_round_trips(uint cid, uint port)
    {
        Span<byte> bytes = stackalloc byte[VsockKernel.SockaddrSize];
        var original = new VsockEndPoint(cid, port);

        original.Write(bytes);

        Assert.Equal(original, VsockEndPoint.Read(bytes));
    }

    [Fact]
    public void Read_rejects_another_address_family()
    {
        byte[] inet = [2, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];

        var error = Assert.Throws<ArgumentException>(() => VsockEndPoint.Read(inet));

        Assert.Contains("address family 2, expected 40", error.Message);
    }

    [Fact]
    public void Read_rejects_a_short_buffer() =>
        Assert.Throws<ArgumentException>(() => VsockEndPoint.Read(new byte[8]));

    [Fact]
    public void Write_rejects_a_short_buffer() =>
        Assert.Throws<ArgumentException>(() => new VsockEndPoint(1, 2).Write(new byte[15]));

    [Fact]
    public void Reports_address_family_40_and_prints_as_a_transport_address()
    {
        var endPoint = new VsockEndPoint(VsockCid.Host, 52);

        Assert.Equal(40, (int)endPoint.AddressFamily);
        Assert.Equal("vsock:2:52", endPoint.ToString());
    }
}

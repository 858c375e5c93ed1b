using System.Net.Sockets;
using System.Text;
using GuestAssist.Host.Firecracker;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Sockets;
using GuestAssist.Linux.Tests.Userfaultfd;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Host.Tests.Firecracker;

public sealed class FirecrackerHandshakeTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ga-hs-{Guid.NewGuid():N}.sock");

    [UffdFact]
    public void A_valid_handshake_yields_the_layout_peer_and_an_adopted_uffd()
    {
        using var memory = MappedMemory.Anonymous(1 << 20);
        using var uffd = Userfaultfd.Create(UffdFeatures.EventRemove);
        uffd.Register(memory.Address64, memory.Length, UffdRegisterMode.Missing);
        var (client, server) = Connect();
        using (client)
        using (server)
        {
            FdPassing.Send(client, Json(memory.Address64, memory.Length), [uffd.Handle]);
            using var handshake = FirecrackerHandshake.Receive(server, memory.Length, TimeSpan.FromSeconds(5));
            Assert.Equal(Environment.ProcessId, handshake.Peer.ProcessId);
            Assert.Equal(memory.Address64, handshake.Layout.Regions[0].HostAddress);
            Assert.Equal(CopyResult.Copied(4096), handshake.Uffd.ZeroPage(memory.Address64, 4096));
        }
    }

    [Fact]
    public void A_descriptor_that_is_not_a_userfaultfd_is_refused()
    {
        using var file = MemoryFile.Create("not-a-uffd", 4096);
        var (client, server) = Connect();
        using (client)
        using (server)
        {
            FdPassing.Send(client, Json(1 << 20, 1 << 20), [file]);
            var error = Assert.Throws<FirecrackerHandshakeException>(() => FirecrackerHandshake.Receive(server, null, TimeSpan.FromSeconds(5)));
            Assert.Equal(HandshakeFailure.MissingDescriptor, error.Failure);
            Assert.Contains("is not a userfaultfd", error.Message);
        }
    }

    [UffdFact]
    public void Garbage_is_refused_on_one_line_with_its_control_bytes_escaped()
    {
        using var uffd = Userfaultfd.Create(UffdFeatures.EventRemove);
        var (client, server) = Connect();
        using (client)
        using (server)
        {
            FdPassing.Send(client, [0x01, 0x1b, (byte)'g', (byte)'a', (byte)'r', (byte)'b', (byte)'a', (byte)'g', (byte)'e', (byte)'\n', (byte)'\r', 0xff], [uffd.Handle]);
            var error = Assert.Throws<FirecrackerHandshakeException>(() => FirecrackerHandshake.Receive(server, null, TimeSpan.FromSeconds(5)));
            Assert.Equal(HandshakeFailure.MalformedJson, error.Failure);
            Assert.Equal(
                $"Firecracker UFFD handshake refused (MalformedJson): not valid JSON (line 1, byte 1) (VMM pid {Environment.ProcessId} sent \"\\x01\\x1bgarbage\\n\\r\\xff\")",
                error.Message);
        }
    }

    [Fact]
    public void Silence_is_a_timeout_error()
    {
        var (client, server) = Connect();
        using (client)
        using (server)
        {
            var error = Assert.Throws<FirecrackerHandshakeException>(() => FirecrackerHandshake.Receive(server, null, TimeSpan.FromMilliseconds(50)));
            Assert.Equal(HandshakeFailure.TimedOut, error.Failure);
        }
    }

    public void Dispose() => File.Delete(_path);

    private static byte[] Json(ulong address, ulong size) =>
        Encoding.UTF8.GetBytes($"[{{\"base_host_virt_addr\":{address},\"size\":{size},\"offset\":0,\"page_size\":4096,\"page_size_kib\":4096}}]");

    private (Socket Client, Socket Server) Connect()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(_path));
        return (client, listener.Accept());
    }
}

using System.Net.Sockets;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Sockets;

namespace GuestAssist.Linux.Tests.Sockets;

public sealed class FdPassingTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"ga-fd-{Guid.NewGuid():N}.sock");

    [Fact]
    public void A_memfd_and_its_payload_cross_a_unix_socket()
    {
        var (client, server) = Connect();
        using (client)
        using (server)
        using (var file = MemoryFile.Create("ga-pass", 4096))
        {
            using (var map = MappedMemory.MapFile(file, 4096, protection: MemoryProtection.ReadWrite))
            {
                map.AsSpan(0, 5).Fill(9);
            }
            Assert.Equal(5, FdPassing.Send(client, "hello"u8, [file]));
            var buffer = new byte[64];
            var message = FdPassing.Receive(server, buffer, 5000);
            Assert.Equal(5, message.Bytes);
            Assert.Equal("hello"u8.ToArray(), buffer[..5]);
            Assert.False(message.DescriptorsTruncated);
            var received = Assert.Single(message.Descriptors);
            using (received)
            {
                Assert.NotEqual(file.Fd, received.Fd);
                using var view = MappedMemory.MapFile(received, 4096);
                Assert.Equal(9, view.AsSpan(4, 1)[0]);
            }
        }
    }

    [Fact]
    public void A_message_without_descriptors_has_none_and_a_closed_peer_is_end_of_stream()
    {
        var (client, server) = Connect();
        using (server)
        {
            using (client)
            {
                FdPassing.Send(client, "[]"u8, []);
                var message = FdPassing.Receive(server, new byte[16], 5000);
                Assert.Equal(2, message.Bytes);
                Assert.Empty(message.Descriptors);
            }
            Assert.True(FdPassing.Receive(server, new byte[16], 5000).EndOfStream);
        }
    }

    [Fact]
    public void Receive_times_out_when_nothing_comes()
    {
        var (client, server) = Connect();
        using (client)
        using (server)
        {
            Assert.Throws<TimeoutException>(() => FdPassing.Receive(server, new byte[16], 20));
        }
    }

    [Fact]
    public void Peer_credentials_name_this_process()
    {
        var (client, server) = Connect();
        using (client)
        using (server)
        {
            var peer = PeerCredentials.Of(server);
            Assert.Equal(Environment.ProcessId, peer.ProcessId);
        }
    }

    public void Dispose() => File.Delete(_path);

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

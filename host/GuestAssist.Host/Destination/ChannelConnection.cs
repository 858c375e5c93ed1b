using System.Net;
using System.Net.Sockets;
using GuestAssist.Host.Transfer;
using GuestAssist.Linux.Sockets;

namespace GuestAssist.Host.Destination;

/// <summary>One connected, greeted page-transfer channel of the destination.</summary>
internal sealed class ChannelConnection : IDisposable
{
    private ChannelConnection(Socket socket, Stream stream, uint pageSize, ulong totalFrames)
    {
        Socket = socket;
        Stream = stream;
        Reader = new TransferStreamReader(stream, pageSize, totalFrames);
        Writer = new TransferStreamWriter(stream, pageSize);
    }

    public Socket Socket { get; }

    public Stream Stream { get; }

    public TransferStreamReader Reader { get; }

    public TransferStreamWriter Writer { get; }

    /// <summary>
    /// Connects, answers the source's challenge and checks the source's proof. A refusal throws
    /// <see cref="TransferRefusedException"/>; a source that cannot prove the secret, a protocol error. With
    /// <paramref name="tls"/>, TLS comes first and the page server's certificate must chain to its trusted roots.
    /// </summary>
    public static ChannelConnection Open(EndPoint server, ChannelHello hello, TransferSecret? secret, TransferTls? tls = null)
    {
        var socket = TransferEndPoint.CreateSocket(server);
        try
        {
            try
            {
                socket.Connect(server);
            }
            catch (SocketException e) when (server is UnixDomainSocketEndPoint unix)
            {
                // .NET words ENOENT as "Cannot assign requested address": say what the kernel said.
                throw new IOException($"no page server at unix:{UnixSocketConnectError.Describe(e, unix.ToString())}", e);
            }
            socket.ReceiveTimeout = (int)TransferLimits.HandshakeTimeout.TotalMilliseconds;
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (tls is not null)
            {
                stream = tls.AuthenticateAsClient(stream, server is IPEndPoint ip ? ip.Address.ToString() : "localhost");
            }
            var challenge = SourceChallenge.Read(stream);
            if (challenge.SecretRequired && secret is null)
            {
                throw new TransferProtocolException("the page server requires the migration's secret and none was given");
            }
            var helloFixed = hello.EncodeFixed();
            var proof = ChannelAuthentication.DestinationProof(secret, challenge.Nonce, helloFixed);
            hello.Write(stream, proof);
            var status = HelloReply.Read(stream, out var mac);
            if (secret is not null && !ChannelAuthentication.VerifySource(secret, proof.AsSpan(0, ChannelAuthentication.NonceBytes), challenge.Nonce, status, mac))
            {
                throw new TransferProtocolException("the page server did not prove it holds the migration's secret");
            }
            if (status != HelloStatus.Accepted)
            {
                throw new TransferRefusedException(hello.Kind, status, status == HelloStatus.GeometryMismatch
                    ? $"this destination has {hello.PageSize}-byte pages and {hello.TotalFrames} frames; give page-server the same --page-size and --regions"
                    : null);
            }
            socket.ReceiveTimeout = 0;
            return new ChannelConnection(socket, stream, hello.PageSize, hello.TotalFrames);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Drops the connection abruptly (both directions), as a network cut would.</summary>
    public void Cut()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        Socket.Dispose();
    }

    public void Dispose() => Stream.Dispose();
}

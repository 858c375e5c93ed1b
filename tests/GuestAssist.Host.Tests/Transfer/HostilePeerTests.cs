using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Host.Tests.Destination;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Tests.Transfer;

/// <summary>
/// Peers that speak the transfer protocol badly or with ill intent. Each may lose its own connection, and must
/// get nothing of the VM's memory without the secret; the server keeps serving the real destination afterwards.
/// </summary>
public sealed class HostilePeerTests : IDisposable
{
    private const int PageSize = 4096;
    private static readonly GuestMemoryLayout Layout = new([new MemoryRegion(0, 1024UL * PageSize, 0)]);
    private static readonly TransferSecret Secret = TransferSecret.FromText("correct horse battery staple");

    private readonly byte[] _memory = Pattern();
    private readonly List<Exception> _failures = [];
    private PageServer? _server;

    public void Dispose() => _server?.Dispose();

    [Theory]
    [InlineData((byte)TransferFrameKind.Pages, 1u)]
    [InlineData((byte)TransferFrameKind.Pages, 256u)]
    [InlineData((byte)TransferFrameKind.ZeroRun, 1u)]
    [InlineData((byte)TransferFrameKind.EndOfStream, 0u)]
    [InlineData((byte)TransferFrameKind.Switchover, 0u)]
    [InlineData((byte)TransferFrameKind.Installed, 1u)]
    public void Any_frame_but_an_urgent_request_on_the_urgent_channel_ends_only_that_connection(byte frameKind, uint count)
    {
        var kind = (TransferFrameKind)frameKind;
        var endPoint = Start(new PageServerOptions { Secret = Secret });
        using (var peer = RawPeer.Connect(endPoint))
        {
            Assert.Equal(HelloStatus.Accepted, peer.Hello(ChannelKind.Urgent, Secret));
            var header = new byte[TransferFrameHeader.Size];
            new TransferFrameHeader(kind, 0, count, 0).Write(header);
            peer.Send(header);
            Assert.True(peer.ReadsToEnd(TimeSpan.FromSeconds(5)), "the server should close the connection");
        }
        AssertServesARealDestination(endPoint);
        Assert.Contains(Failures(), e => e is TransferProtocolException && e.Message.Contains(kind.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void A_destination_confirming_frames_it_was_never_sent_is_refused_and_nothing_is_confirmed()
    {
        // The first background connection is sent nothing (its schedule starts complete): every confirmation is a lie.
        var everything = Enumerable.Repeat(ulong.MaxValue, ChannelHello.BitmapWords(Layout.TotalFrames)).ToArray();
        var connections = 0;
        var endPoint = Start(new PageServerOptions { Secret = Secret, ReleaseSource = true }, bitmap => Interlocked.Increment(ref connections) == 1
            ? new AddressOrderSchedule(Layout, everything)
            : new AddressOrderSchedule(Layout, bitmap));
        using (var peer = RawPeer.Connect(endPoint))
        {
            Assert.Equal(HelloStatus.Accepted, peer.Hello(ChannelKind.Background, Secret));
            Assert.True(_server!.BackgroundDone.WaitOne(TimeSpan.FromSeconds(5)), "the server should end its (empty) stream");
            var header = new byte[TransferFrameHeader.Size];
            TransferFrameHeader.Installed(10, 20).Write(header);
            peer.Send(header);
            Assert.True(peer.ReadsToEnd(TimeSpan.FromSeconds(5)), "the server should close the connection");
        }
        var refused = Assert.Single(Failures().OfType<AcknowledgementRefusedException>());
        Assert.Equal("the destination confirmed frames 10+20 installed, but frame 10 was never sent to it: nothing released", refused.Message);
        Assert.Equal(0, _server.Counters.Snapshot().ConfirmedFrames);
        AssertServesARealDestination(endPoint);
        Assert.Equal((long)Layout.TotalFrames, _server.Counters.Snapshot().ConfirmedFrames);
    }

    [Fact]
    public void Pages_pushed_before_switchover_cannot_be_confirmed_until_switchover()
    {
        var memory = new ArrayPageSource(_memory, Layout);
        _server = PageServer.BeforeSwitchover(memory, Layout, Enumerable.Range(0, 64).Select(i => (ulong)i), new PageServerOptions { Secret = Secret, ReleaseSource = true });
        _server.ConnectionFailed += (_, e) =>
        {
            lock (_failures)
            {
                _failures.Add(e);
            }
        };
        _server.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        using var peer = RawPeer.Connect(_server.LocalEndPoint!);
        Assert.Equal(HelloStatus.Accepted, peer.Hello(ChannelKind.Background, Secret));
        Assert.True(_server.PushDone.WaitOne(TimeSpan.FromSeconds(5)), "the push should reach the peer");
        var header = new byte[TransferFrameHeader.Size];
        TransferFrameHeader.Installed(0, 64).Write(header);
        peer.Send(header);

        Assert.True(peer.ReadsToEnd(TimeSpan.FromSeconds(5)), "the server should close the connection");
        Assert.IsType<AcknowledgementRefusedException>(Assert.Single(Failures()));
        Assert.Equal(0, _server.Counters.Snapshot().ConfirmedFrames);
    }

    [Fact]
    public void A_malformed_frame_header_is_a_typed_refusal()
    {
        var endPoint = Start(new PageServerOptions { Secret = Secret });
        using (var peer = RawPeer.Connect(endPoint))
        {
            Assert.Equal(HelloStatus.Accepted, peer.Hello(ChannelKind.Urgent, Secret));
            peer.Send([0x7F, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            Assert.True(peer.ReadsToEnd(TimeSpan.FromSeconds(5)));
        }
        AssertServesARealDestination(endPoint);
    }

    [Fact]
    public void A_wrong_secret_gets_a_refusal_and_not_one_page()
    {
        var endPoint = Start(new PageServerOptions { Secret = Secret });
        using var peer = RawPeer.Connect(endPoint);

        Assert.Equal(HelloStatus.Unauthenticated, peer.Hello(ChannelKind.Background, TransferSecret.FromText("not the secret at all")));
        Assert.True(peer.ReadsToEnd(TimeSpan.FromSeconds(5), out var extra));
        Assert.Equal(0, extra);
        Assert.Equal(0, _server!.Counters.Snapshot().Connections);
    }

    [Fact]
    public void A_destination_without_the_secret_is_told_so_in_one_line()
    {
        var endPoint = Start(new PageServerOptions { Secret = Secret });
        using var client = new PostCopyClient(endPoint, Layout, new MemoryPageSink(Layout));

        var error = Assert.Throws<TransferOutageException>(client.Start);

        Assert.StartsWith("page server ", error.Message, StringComparison.Ordinal);
        Assert.Contains("the page server requires the migration's secret and none was given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_replayed_proof_does_not_verify_on_a_new_connection()
    {
        var endPoint = Start(new PageServerOptions { Secret = Secret });
        byte[] recorded;
        using (var first = RawPeer.Connect(endPoint))
        {
            recorded = first.HelloBytes(ChannelKind.Background, Secret);
            first.Send(recorded);
            Assert.Equal(HelloStatus.Accepted, first.ReadReply());
        }
        using var replay = RawPeer.Connect(endPoint);
        replay.ReadChallenge();
        replay.Send(recorded);
        Assert.Equal(HelloStatus.Unauthenticated, replay.ReadReply());
    }

    [Fact]
    public void A_page_server_that_cannot_prove_the_secret_is_not_trusted()
    {
        var endPoint = Start(new PageServerOptions());
        using var client = new PostCopyClient(endPoint, Layout, new MemoryPageSink(Layout), new PostCopyClientOptions { Secret = Secret, ConnectDeadline = TimeSpan.FromMilliseconds(200) });

        var error = Assert.Throws<TransferOutageException>(client.Start);

        Assert.Contains("the page server did not prove it holds the migration's secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_destination_cannot_take_over_the_migration_but_the_owner_can_reconnect()
    {
        var endPoint = Start(new PageServerOptions { Secret = Secret });
        var owner = Guid.NewGuid();
        using (var first = RawPeer.Connect(endPoint))
        {
            Assert.Equal(HelloStatus.Accepted, first.Hello(ChannelKind.Urgent, Secret, owner));
            using var intruder = RawPeer.Connect(endPoint);
            Assert.Equal(HelloStatus.ChannelBusy, intruder.Hello(ChannelKind.Urgent, Secret, Guid.NewGuid()));
            using var again = RawPeer.Connect(endPoint);
            Assert.Equal(HelloStatus.Accepted, again.Hello(ChannelKind.Urgent, Secret, owner));
        }
    }

    [Fact]
    public void A_resume_hello_claiming_a_huge_bitmap_is_refused_before_any_of_it_is_read()
    {
        var endPoint = Start(new PageServerOptions { Secret = Secret });
        using var peer = RawPeer.Connect(endPoint);
        var challenge = peer.ReadChallenge();
        var totalFrames = TransferLimits.MaxTotalFrames;
        var hello = new ChannelHello(Guid.NewGuid(), ChannelKind.Background, PageSize, totalFrames, new ulong[ChannelHello.BitmapWords(totalFrames)]);
        var head = hello.EncodeFixed();
        peer.Send(head);
        peer.Send(ChannelAuthentication.DestinationProof(Secret, challenge.Nonce, head));

        // No bitmap sent: the answer comes anyway, because the frame count was checked first.
        Assert.Equal(HelloStatus.GeometryMismatch, peer.ReadReply());
    }

    [Fact]
    public void Silent_and_trickling_peers_lose_their_connection_at_the_handshake_deadline()
    {
        var endPoint = Start(new PageServerOptions { Secret = Secret, HandshakeTimeout = TimeSpan.FromMilliseconds(500) });
        using var silent = RawPeer.Connect(endPoint);
        using var trickle = RawPeer.Connect(endPoint);
        silent.ReadChallenge();
        trickle.ReadChallenge();
        var watch = Stopwatch.StartNew();
        var closed = false;
        for (var i = 0; i < 40 && !closed; i++)
        {
            try
            {
                trickle.Send([0x47]);
            }
            catch (SocketException)
            {
                closed = true;
            }
            Thread.Sleep(100);
        }
        Assert.True(silent.ReadsToEnd(TimeSpan.FromSeconds(5)));
        Assert.True(closed || trickle.ReadsToEnd(TimeSpan.FromSeconds(5)));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        AssertServesARealDestination(endPoint);
    }

    [Fact]
    public void Connections_beyond_the_limit_are_closed_at_once_and_the_real_destination_still_gets_in()
    {
        var endPoint = Start(new PageServerOptions { Secret = Secret, MaxConnections = 4, HandshakeTimeout = TimeSpan.FromSeconds(1) });
        var peers = Enumerable.Range(0, 40).Select(_ => RawPeer.Connect(endPoint)).ToList();
        try
        {
            var refused = peers.Count(p => p.ReadsToEnd(TimeSpan.FromMilliseconds(300)));
            Assert.InRange(refused, 36, 40);
            Assert.Contains(Failures(), e => e.Message.Contains("4 connections are open", StringComparison.Ordinal));
        }
        finally
        {
            peers.ForEach(p => p.Dispose());
        }
        AssertServesARealDestination(endPoint);
    }

    [Fact]
    public void An_authenticated_migration_delivers_every_page()
    {
        var endPoint = Start(new PageServerOptions { Secret = Secret });
        AssertServesARealDestination(endPoint);
        Assert.Empty(Failures());
    }

    private EndPoint Start(PageServerOptions options, Func<ulong[]?, ITransferSchedule>? schedule = null)
    {
        _server = new PageServer(new ArrayPageSource(_memory, Layout), Layout, schedule ?? (bitmap => new AddressOrderSchedule(Layout, bitmap)), options);
        _server.ConnectionFailed += (_, e) =>
        {
            lock (_failures)
            {
                _failures.Add(e);
            }
        };
        _server.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        return _server.LocalEndPoint!;
    }

    private List<Exception> Failures()
    {
        lock (_failures)
        {
            return [.. _failures];
        }
    }

    private void AssertServesARealDestination(EndPoint endPoint)
    {
        var sink = new MemoryPageSink(Layout);
        using var client = new PostCopyClient(endPoint, Layout, sink, new PostCopyClientOptions { Secret = _server!.Options.Secret });
        client.Start();
        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(20)), $"{client.Held.Count} of {client.ExpectedFrames} frames; {string.Join("; ", Failures().Select(e => e.Message))}");
        Assert.True(_memory.AsSpan().SequenceEqual(sink.File));
        Assert.True(_server.DestinationFinished.WaitOne(TimeSpan.FromSeconds(10)), "the destination should confirm everything and close");
    }

    private static byte[] Pattern()
    {
        var memory = new byte[Layout.FileBytes];
        new Random(7).NextBytes(memory);
        return memory;
    }

    /// <summary>A destination written by hand, one step at a time.</summary>
    private sealed class RawPeer : IDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private SourceChallenge? _challenge;

        private RawPeer(Socket socket)
        {
            _socket = socket;
            _socket.ReceiveTimeout = 5000;
            _stream = new NetworkStream(socket, ownsSocket: true);
        }

        public static RawPeer Connect(EndPoint endPoint)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(endPoint);
            return new RawPeer(socket);
        }

        public SourceChallenge ReadChallenge() => _challenge = SourceChallenge.Read(_stream);

        public byte[] HelloBytes(ChannelKind kind, TransferSecret secret, Guid session = default)
        {
            var challenge = _challenge ?? ReadChallenge();
            var head = new ChannelHello(session, kind, PageSize, Layout.TotalFrames, null).EncodeFixed();
            return [.. head, .. ChannelAuthentication.DestinationProof(secret, challenge.Nonce, head)];
        }

        public HelloStatus Hello(ChannelKind kind, TransferSecret secret, Guid session = default)
        {
            Send(HelloBytes(kind, secret, session));
            return ReadReply();
        }

        public HelloStatus ReadReply() => HelloReply.Read(_stream, out _);

        public void Send(ReadOnlySpan<byte> bytes) => _socket.Send(bytes);

        public bool ReadsToEnd(TimeSpan within) => ReadsToEnd(within, out _);

        /// <summary>True when the server closed the connection within the time; <paramref name="extra"/> counts bytes it sent first.</summary>
        public bool ReadsToEnd(TimeSpan within, out int extra)
        {
            extra = 0;
            _socket.ReceiveTimeout = (int)within.TotalMilliseconds;
            var buffer = new byte[4096];
            try
            {
                int n;
                while ((n = _socket.Receive(buffer)) > 0)
                {
                    extra += n;
                }
                return true;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        public void Dispose() => _stream.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>
/// A TCP proxy in front of a page server that drops connections at seeded random byte offsets (mid-frame, mid-hello,
/// anywhere), the way a flaky network would. Each connection independently gets a cut point until the budget is spent.
/// </summary>
internal sealed class CuttingProxy : IDisposable
{
    private readonly Socket _listener;
    private readonly EndPoint _target;
    private readonly Random _random;
    private readonly int _maxBytesBeforeCut;
    private readonly List<Socket> _sockets = [];
    private int _cutsLeft;

    public CuttingProxy(EndPoint target, int seed, int cuts, int maxBytesBeforeCut)
    {
        _target = target;
        _random = new Random(seed);
        _cutsLeft = cuts;
        _maxBytesBeforeCut = maxBytesBeforeCut;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        new Thread(Accept) { IsBackground = true }.Start();
    }

    public EndPoint EndPoint => _listener.LocalEndPoint!;

    public int CutsMade { get; private set; }

    public void Dispose()
    {
        _listener.Dispose();
        lock (_sockets)
        {
            foreach (var s in _sockets)
            {
                s.Dispose();
            }
        }
    }

    private void Accept()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            server.Connect(_target);
            long cutAt;
            lock (_random)
            {
                cutAt = _cutsLeft-- > 0 ? _random.Next(1, _maxBytesBeforeCut) : long.MaxValue;
            }
            lock (_sockets)
            {
                _sockets.Add(client);
                _sockets.Add(server);
            }
            var budget = new long[] { cutAt };
            new Thread(() => Pump(client, server, budget)) { IsBackground = true }.Start();
            new Thread(() => Pump(server, client, budget)) { IsBackground = true }.Start();
        }
    }

    private void Pump(Socket from, Socket to, long[] budget)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = from.Receive(buffer);
                if (n == 0)
                {
                    break;
                }
                var left = Interlocked.Add(ref budget[0], -n);
                if (left < 0)
                {
                    var allowed = (int)Math.Max(0, n + left);
                    to.Send(buffer.AsSpan(0, allowed));
                    lock (_random)
                    {
                        CutsMade++;
                    }
                    break;
                }
                to.Send(buffer.AsSpan(0, n));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        from.Dispose();
        to.Dispose();
    }
}

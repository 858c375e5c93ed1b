using System.Net.Sockets;
using GuestAssist.Host.Agent;
using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Host.Tests.Agent;

/// <summary>
/// A deliberately scriptable agent for client tests: the far end of a connected Unix socket pair runs a
/// <see cref="ProtocolConnection"/> whose handler is the script. Hello is answered properly unless the
/// script handles it itself.
/// </summary>
public sealed class ScriptedAgent : IAsyncDisposable
{
    private readonly ProtocolConnection _agentSide;
    private readonly Stream _hostSide;

    private ScriptedAgent(Stream agentStream, Stream hostStream, Func<IncomingRequest, CancellationToken, ValueTask> script, HandshakeOffer offer)
    {
        _hostSide = hostStream;
        _agentSide = new ProtocolConnection(agentStream, new ProtocolConnectionOptions
        {
            Name = "scripted agent",
            RequestHandler = new DelegateRequestHandler(async (request, token) =>
            {
                if (request.Kind == Envelope.BodyOneofCase.Hello && !HandlesHello)
                {
                    await HandshakeNegotiator.AnswerAsync(request, offer, token);
                    return;
                }
                await script(request, token);
            }),
        });
        _agentSide.Start();
    }

    public bool HandlesHello { get; init; }

    public static ScriptedAgent Create(Func<IncomingRequest, CancellationToken, ValueTask> script, HandshakeOffer? offer = null, bool handlesHello = false)
    {
        var (agent, host) = Pair();
        return new ScriptedAgent(agent, host, script, offer ?? HandshakeOffer.Default("scripted-agent")) { HandlesHello = handlesHello };
    }

    public Task<AgentClient> ConnectAsync(AgentClientOptions? options = null) =>
        AgentClient.ConnectAsync(_hostSide, "scripted", options ?? new AgentClientOptions { RequestTimeout = TimeSpan.FromSeconds(5), MapChunkTimeout = TimeSpan.FromSeconds(5) });

    public async ValueTask DisposeAsync()
    {
        await _agentSide.DisposeAsync();
        await _hostSide.DisposeAsync();
    }

    private static (Stream Agent, Stream Host) Pair()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ga-{Guid.NewGuid():N}"[..16] + ".sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var host = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        host.Connect(new UnixDomainSocketEndPoint(path));
        var agent = listener.Accept();
        File.Delete(path);
        return (new NetworkStream(agent, ownsSocket: true), new NetworkStream(host, ownsSocket: true));
    }
}

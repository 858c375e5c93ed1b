using System.Collections.Concurrent;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// Serves one listen address: binds at start (so a bad address fails the daemon's start, not later),
/// then accepts and serves each connection on its own task. A connection that misbehaves or dies is
/// closed and logged; the others never notice. A serial port, which cannot listen, is opened and served
/// as one connection, and reopened whenever that connection ends.
/// </summary>
internal sealed class AgentListenerService(TransportAddress address, AgentRuntime runtime, ILogger<AgentListenerService> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, ProtocolConnection> _connections = new();
    private readonly ConcurrentDictionary<Task, byte> _serving = new();
    private readonly string _name = address.ToString();
    private ITransportEndpoint? _endpoint;
    private ITransportListener? _listener;

    /// <summary>The address actually bound (a requested port 0 resolved); the configured one for a serial port.</summary>
    public TransportAddress LocalAddress => _listener?.LocalAddress ?? address;

    public int ActiveConnections => _connections.Count;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _endpoint = TransportEndpoint.Create(address, runtime.Options.Transport);
        if (_endpoint.CanListen)
        {
            _listener = _endpoint.Listen();
            logger.Listening(_listener.LocalAddress.ToString());
        }
        else if (!_endpoint.CanConnect)
        {
            throw new InvalidOperationException($"{address} can neither listen nor be opened");
        }
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _listener?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_serving.Keys).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _listener?.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _listener is { } listener ? AcceptLoopAsync(listener, stoppingToken) : SerialLoopAsync(stoppingToken);

    private async Task AcceptLoopAsync(ITransportListener listener, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Stream stream;
            try
            {
                stream = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException && stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
            {
                // EMFILE and friends: keep the listener, back off, keep serving the connections we have.
                logger.AcceptFailed(_name, ex.Message);
                await Task.Delay(runtime.Options.RetryDelay, stoppingToken).ConfigureAwait(false);
                continue;
            }
            if (_connections.Count >= runtime.Options.MaxConnections)
            {
                logger.TooManyConnections(_name, runtime.Options.MaxConnections);
                await stream.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            Track(ServeAsync(stream, stoppingToken));
        }
    }

    private async Task SerialLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Stream stream;
            try
            {
                stream = await _endpoint!.ConnectAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (IOException ex)
            {
                logger.SerialUnavailable(_name, ex.Message);
                await Task.Delay(runtime.Options.RetryDelay, stoppingToken).ConfigureAwait(false);
                continue;
            }
            await ServeAsync(stream, stoppingToken).ConfigureAwait(false);
            await Task.Delay(runtime.Options.RetryDelay, stoppingToken).ConfigureAwait(false);
        }
    }

    private void Track(Task serving)
    {
        _serving.TryAdd(serving, 0);
        _ = serving.ContinueWith(t => _serving.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task ServeAsync(Stream stream, CancellationToken stoppingToken)
    {
        var name = runtime.NextConnectionName(_name);
        var handler = new AgentRequestHandler(runtime, name, logger);
        var connection = new ProtocolConnection(stream, new ProtocolConnectionOptions
        {
            Name = $"agent {name}",
            RequestHandler = handler,
            MaxFrameSize = runtime.Options.MaxFrameSize,
        });
        _connections[name] = connection;
        logger.Connected(name);
        try
        {
            connection.Start();
            var ended = await Task.WhenAny(connection.Completion, Task.Delay(runtime.Options.HelloTimeout, stoppingToken)).ConfigureAwait(false);
            if (ended != connection.Completion && handler.Session is null && !stoppingToken.IsCancellationRequested)
            {
                logger.HelloTimedOut(name, runtime.Options.HelloTimeout.TotalSeconds);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            await connection.Completion.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _connections.TryRemove(name, out _);
            await connection.DisposeAsync().ConfigureAwait(false);
            if (runtime.Evictions.Abandon(name) is { } abandoned)
            {
                logger.EvictionAbandoned(name, abandoned.Id);
                runtime.Throttling.ReleaseAll($"the host of eviction session {abandoned.Id} disconnected");
            }
            logger.Disconnected(name, connection.CloseReason?.Message ?? "closed");
        }
    }
}

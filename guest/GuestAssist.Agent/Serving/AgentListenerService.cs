using System.Collections.Concurrent;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// Serves one listen address: binds at start (so a bad address fails the daemon's start, not later),
/// then accepts and serves each connection on its own task. A connection that misbehaves or dies is
/// closed and logged; the others never notice. Fairness: a connection with nothing in flight for
/// <see cref="AgentServingOptions.IdleTimeout"/> is closed, and when every slot is taken the connection idle
/// the longest makes room for the newcomer (so peers that finish Hello and sit cannot lock the host out).
/// A serial port, which cannot listen, is opened once and kept open: the agent waits (epoll, no reopening)
/// until a host connects, serves it as one session, and starts a new session for the next host.
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
            if (_connections.Count >= runtime.Options.MaxConnections && !await EvictLongestIdleAsync().ConfigureAwait(false))
            {
                logger.TooManyConnections(_name, runtime.Options.MaxConnections);
                await stream.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            Track(ServeAsync(stream, leaveOpen: false, stoppingToken));
        }
    }

    /// <summary>
    /// Picks the connection that has had nothing in flight for longest and closes it to free a slot; false
    /// when every connection is busy (then the newcomer is refused instead).
    /// </summary>
    private async ValueTask<bool> EvictLongestIdleAsync()
    {
        var victim = _connections
            .Where(c => c.Value.RequestsInProgress == 0)
            .OrderByDescending(c => c.Value.SinceLastReceived)
            .FirstOrDefault();
        if (victim.Value is null)
        {
            return false;
        }
        logger.EvictedForSlot(victim.Key, victim.Value.SinceLastReceived.TotalSeconds, runtime.Options.MaxConnections);
        _connections.TryRemove(victim.Key, out _);
        await victim.Value.DisposeAsync().ConfigureAwait(false);
        return true;
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
                // The port is missing or unusable (the udev rule starts the agent only once it exists).
                logger.SerialUnavailable(_name, ex.Message);
                await Task.Delay(runtime.Options.RetryDelay, stoppingToken).ConfigureAwait(false);
                continue;
            }
            await using (stream.ConfigureAwait(false))
            {
                try
                {
                    await ServeSerialSessionsAsync(stream, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (IOException ex)
                {
                    logger.SerialUnavailable(_name, ex.Message);
                }
            }
            await Task.Delay(runtime.Options.RetryDelay, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>One open port, one session per host connection: wait for the host, serve until it closes (EOF), repeat.</summary>
    private async Task ServeSerialSessionsAsync(Stream stream, CancellationToken stoppingToken)
    {
        var port = stream as Linux.Transports.Serial.SerialPortStream;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (port is not null)
            {
                await port.WaitForHostAsync(stoppingToken).ConfigureAwait(false);
            }
            await ServeAsync(stream, leaveOpen: true, stoppingToken).ConfigureAwait(false);
            if (port is null)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Returns when the connection ends, closing it first when it has not said Hello within
    /// <see cref="AgentServingOptions.HelloTimeout"/>, or once it has had no request in flight and no frame from
    /// the peer for <see cref="AgentServingOptions.IdleTimeout"/>. Sleeps until the earliest moment either can
    /// happen, so an idle agent does not wake per connection.
    /// </summary>
    private async Task WatchAsync(string name, ProtocolConnection connection, AgentRequestHandler handler, CancellationToken stoppingToken)
    {
        var options = runtime.Options;
        var opened = System.Diagnostics.Stopwatch.GetTimestamp();
        while (!connection.IsClosed)
        {
            TimeSpan wait;
            if (handler.Session is null)
            {
                var waited = System.Diagnostics.Stopwatch.GetElapsedTime(opened);
                if (waited >= options.HelloTimeout)
                {
                    logger.HelloTimedOut(name, options.HelloTimeout.TotalSeconds);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return;
                }
                wait = options.HelloTimeout - waited;
            }
            else if (options.IdleTimeout <= TimeSpan.Zero)
            {
                wait = Timeout.InfiniteTimeSpan;
            }
            else
            {
                var idle = connection.RequestsInProgress == 0 ? connection.SinceLastReceived : TimeSpan.Zero;
                if (idle >= options.IdleTimeout)
                {
                    logger.IdleTimedOut(name, options.IdleTimeout.TotalSeconds);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return;
                }
                wait = options.IdleTimeout - idle;
            }
            // Hello may complete meanwhile: never sleep past the point where the idle rule could apply.
            if (handler.Session is null && wait > TimeSpan.FromSeconds(1))
            {
                wait = TimeSpan.FromSeconds(1);
            }
            await Task.WhenAny(connection.Completion, Task.Delay(wait, stoppingToken)).ConfigureAwait(false);
            stoppingToken.ThrowIfCancellationRequested();
        }
    }

    private void Track(Task serving)
    {
        _serving.TryAdd(serving, 0);
        _ = serving.ContinueWith(t => _serving.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task ServeAsync(Stream stream, bool leaveOpen, CancellationToken stoppingToken)
    {
        var name = runtime.NextConnectionName(_name);
        var handler = new AgentRequestHandler(runtime, name, logger);
        var connection = new ProtocolConnection(stream, new ProtocolConnectionOptions
        {
            Name = $"agent {name}",
            RequestHandler = handler,
            MaxFrameSize = runtime.Options.MaxFrameSize,
            LeaveOpen = leaveOpen,
        });
        _connections[name] = connection;
        logger.Connected(name);
        try
        {
            connection.Start();
            await WatchAsync(name, connection, handler, stoppingToken).ConfigureAwait(false);
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

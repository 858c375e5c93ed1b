using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// At most one eviction session at a time, owned by the connection that began it: only that connection may end
/// it, and it ends by itself when that connection goes away (even if it went away while BeginEviction was being
/// answered) or when the host stops sending heartbeats for longer than it asked (a request still being served
/// counts as hearing from it). Every end releases throttling.
/// </summary>
public sealed class EvictionSessions
{
    private const int ClosedConnectionsKept = 1024;

    private readonly Lock _lock = new();
    private readonly HashSet<string> _closed = [];
    private readonly Queue<string> _closedOrder = new();
    private readonly Dictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private ulong _lastId;
    private EvictionSession? _active;

    public EvictionSession? Active
    {
        get
        {
            lock (_lock)
            {
                return _active;
            }
        }
    }

    public EvictionSession Begin(string connection, BeginEviction request, MapEpoch epoch)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(epoch);
        if (request.Mode is not (EvictionMode.PostCopy or EvictionMode.PreCopy or EvictionMode.Hybrid))
        {
            throw new ArgumentException($"eviction mode {(int)request.Mode} is not one of POST_COPY, PRE_COPY, HYBRID");
        }
        lock (_lock)
        {
            if (_closed.Contains(connection))
            {
                throw new ProtocolException(ErrorCode.Unavailable, $"connection {connection} closed before its eviction could begin");
            }
            if (_active is { } active)
            {
                throw new ProtocolException(ErrorCode.Busy, $"eviction session {active.Id} (from {active.Connection}) is still active; end it first");
            }
            _active = new EvictionSession(++_lastId, connection, request, epoch.Clone(), MonotonicClock.NowNs());
            return _active;
        }
    }

    /// <summary>The active session if <paramref name="connection"/> owns <paramref name="sessionId"/>; typed errors otherwise.</summary>
    public EvictionSession Owned(string connection, ulong sessionId)
    {
        lock (_lock)
        {
            if (_active is not { } active || active.Id != sessionId)
            {
                throw new ProtocolException(
                    ErrorCode.NotFound,
                    _active is null
                        ? $"no eviction session {sessionId}: none is active"
                        : $"no eviction session {sessionId}: the active one is {_active.Id}");
            }
            if (active.Connection != connection)
            {
                throw new ProtocolException(ErrorCode.PermissionDenied, $"eviction session {sessionId} belongs to {active.Connection}, not to {connection}");
            }
            return active;
        }
    }

    public EvictionSession End(string connection, ulong sessionId)
    {
        lock (_lock)
        {
            var active = Owned(connection, sessionId);
            _active = null;
            return active;
        }
    }

    /// <summary>Notes that the owner of the active session was heard (a heartbeat or any request).</summary>
    public void Heard(string connection)
    {
        var active = Active;
        if (active is not null && active.Connection == connection)
        {
            active.Heard(MonotonicClock.NowNs());
        }
    }

    /// <summary>A request of <paramref name="connection"/> started: while one is being served its host is not silent.</summary>
    public void RequestStarted(string connection)
    {
        lock (_lock)
        {
            _inFlight[connection] = _inFlight.GetValueOrDefault(connection) + 1;
        }
        Heard(connection);
    }

    public void RequestEnded(string connection)
    {
        lock (_lock)
        {
            if (_inFlight.TryGetValue(connection, out var count) && count > 1)
            {
                _inFlight[connection] = count - 1;
            }
            else
            {
                _inFlight.Remove(connection);
            }
        }
        Heard(connection);
    }

    /// <summary>Ends the active session if its heartbeat deadline passed; returns it then.</summary>
    public EvictionSession? Expire(ulong nowNs)
    {
        lock (_lock)
        {
            if (_active is { } active && active.HeartbeatTimeout > TimeSpan.Zero
                && !_inFlight.ContainsKey(active.Connection)
                && nowNs > active.LastHeardNs // heard after "now" was read on another thread: not silent
                && nowNs - active.LastHeardNs > (ulong)active.HeartbeatTimeout.Ticks * 100)
            {
                _active = null;
                return active;
            }
            return null;
        }
    }

    /// <summary>Ends whatever session <paramref name="connection"/> left behind (null when none) and refuses it any later one.</summary>
    public EvictionSession? Abandon(string connection)
    {
        lock (_lock)
        {
            _inFlight.Remove(connection);
            if (_closed.Add(connection))
            {
                _closedOrder.Enqueue(connection);
                if (_closedOrder.Count > ClosedConnectionsKept)
                {
                    _closed.Remove(_closedOrder.Dequeue());
                }
            }
            if (_active is { } active && active.Connection == connection)
            {
                _active = null;
                return active;
            }
            return null;
        }
    }
}

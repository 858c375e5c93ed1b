using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// Eviction bookkeeping: at most one session at a time, ended by EndEviction or by its connection going
/// away. Throttling is not implemented yet, so ending a session releases no process.
/// </summary>
public sealed class EvictionSessions
{
    private readonly Lock _lock = new();
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
        lock (_lock)
        {
            if (_active is { } active)
            {
                throw new ProtocolException(ErrorCode.Busy, $"eviction session {active.Id} (from {active.Connection}) is still active; end it first");
            }
            _active = new EvictionSession(++_lastId, connection, request, epoch.Clone(), MonotonicClock.NowNs());
            return _active;
        }
    }

    public EvictionSession End(ulong sessionId)
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
            _active = null;
            return active;
        }
    }

    /// <summary>Ends whatever session <paramref name="connection"/> left behind; null when it had none.</summary>
    public EvictionSession? Abandon(string connection)
    {
        lock (_lock)
        {
            if (_active is { } active && active.Connection == connection)
            {
                _active = null;
                return active;
            }
            return null;
        }
    }
}

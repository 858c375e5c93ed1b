using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Agent.Serving;

/// <summary>
/// One scan at a time (the scanner's buffers are shared), with at most <c>maxQueued</c> requests waiting
/// behind it; any more are refused with BUSY rather than piling up.
/// </summary>
public sealed class ScanGate : IDisposable
{
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly int _maxQueued;
    private readonly IdleMemoryTrimmer? _trimmer;
    private int _admitted;

    public ScanGate(int maxQueued, IdleMemoryTrimmer? trimmer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxQueued);
        _maxQueued = maxQueued;
        _trimmer = trimmer;
    }

    /// <summary>Scans running or waiting right now.</summary>
    public int Admitted => Volatile.Read(ref _admitted);

    public async ValueTask<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> scan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scan);
        if (Interlocked.Increment(ref _admitted) > _maxQueued + 1)
        {
            Interlocked.Decrement(ref _admitted);
            throw new ProtocolException(ErrorCode.Busy, $"a scan is running and {_maxQueued} more are queued; retry later");
        }
        _trimmer?.WorkStarted();
        try
        {
            await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await scan(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _running.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _admitted);
            _trimmer?.WorkEnded();
        }
    }

    public void Dispose() => _running.Dispose();
}

using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Source;

/// <summary>
/// QEMU post-copy's order, the baseline: every backed frame in address order, no skipping; a demand fault restarts
/// the scan just after the faulted page (migration/ram.c does the same with its last-sent block).
/// </summary>
public sealed class AddressOrderSchedule : ITransferSchedule
{
    private readonly GuestMemoryLayout _layout;
    private readonly ulong[] _sent;
    private readonly Lock _gate = new();
    private ulong _cursor;
    private ulong _remaining;

    /// <param name="layout">Backed frames to send.</param>
    /// <param name="alreadyReceived">The destination's received bitmap when resuming, else null.</param>
    public AddressOrderSchedule(GuestMemoryLayout layout, ReadOnlySpan<ulong> alreadyReceived = default)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _layout = layout;
        _sent = new ulong[(layout.TotalFrames + 63) / 64];
        for (ulong gfn = 0; gfn < layout.TotalFrames; gfn++)
        {
            var received = (ulong)alreadyReceived.Length > gfn / 64 && (alreadyReceived[(int)(gfn / 64)] & (1UL << (int)(gfn % 64))) != 0;
            if (!layout.IsBacked(gfn) || received)
            {
                _sent[gfn / 64] |= 1UL << (int)(gfn % 64);
            }
            else
            {
                _remaining++;
            }
        }
        var tail = (int)(layout.TotalFrames % 64);
        if (tail != 0)
        {
            _sent[^1] |= ulong.MaxValue << tail;
        }
    }

    public string Description => "address order (QEMU post-copy), skipping disabled";

    public int TakeZeroFill(Span<ulong> gfns) => 0;

    public int NextBatch(Span<ulong> gfns)
    {
        lock (_gate)
        {
            var n = 0;
            var total = _layout.TotalFrames;
            while (n < gfns.Length && _remaining > 0)
            {
                if (_cursor >= total)
                {
                    _cursor = 0;
                }
                var word = _sent[_cursor / 64] | ((1UL << (int)(_cursor % 64)) - 1);
                if (word == ulong.MaxValue)
                {
                    _cursor = ((_cursor / 64) + 1) * 64;
                    if (n > 0)
                    {
                        break;
                    }
                    continue;
                }
                var gfn = ((_cursor / 64) * 64) + (ulong)System.Numerics.BitOperations.TrailingZeroCount(~word);
                if (n > 0 && gfn != gfns[n - 1] + 1)
                {
                    break;
                }
                _sent[gfn / 64] |= 1UL << (int)(gfn % 64);
                _remaining--;
                gfns[n++] = gfn;
                _cursor = gfn + 1;
            }
            return n;
        }
    }

    public void OnDemandFault(ulong gfn)
    {
        lock (_gate)
        {
            if (gfn >= _layout.TotalFrames)
            {
                return;
            }
            if ((_sent[gfn / 64] & (1UL << (int)(gfn % 64))) == 0)
            {
                _sent[gfn / 64] |= 1UL << (int)(gfn % 64);
                _remaining--;
            }
            _cursor = gfn + 1;
        }
    }
}

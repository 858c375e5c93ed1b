using GuestAssist.Guest.Attribution;
using GuestAssist.Guest.Classification;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Scanning;

/// <summary>
/// The outcome of the latest scan. Owned by its <see cref="FrameScanner"/> and overwritten by the next scan
/// (that is what keeps rescans allocation-free): copy what must outlive it, or build a map with <see cref="ToMap"/>.
/// </summary>
public sealed class FrameScanResult
{
    internal FrameScanResult(uint pageSize) => PageSize = pageSize;

    public uint PageSize { get; }

    public ClassRunAccumulator Runs { get; } = new();

    public ClassCounts Counts => Runs.Counts;

    public FrameTally Tally { get; internal set; }

    /// <summary>Epoch: scan sequence number, starting at 1.</summary>
    public ulong Sequence { get; internal set; }

    /// <summary>Epoch: guest CLOCK_MONOTONIC (ns) at scan start.</summary>
    public ulong MonotonicNs { get; internal set; }

    /// <summary>Frames the map covers: GFN 0 to the end of the last "System RAM" range.</summary>
    public ulong TotalFrames => Runs.NextGfn;

    /// <summary>Frames inside "System RAM" ranges.</summary>
    public ulong RamFrames { get; internal set; }

    public HeatMethod HeatMethod { get; internal set; }

    /// <summary>Whether blank blocks were proven free (they are unproven otherwise).</summary>
    public LazyInitProof LazyInit { get; internal set; }

    public double ReadSeconds { get; internal set; }

    public double ClassifySeconds { get; internal set; }

    public double TotalSeconds { get; internal set; }

    public MapEpoch Epoch => new() { Sequence = Sequence, GuestMonotonicNs = MonotonicNs };

    /// <summary>The class of one frame (binary search over the runs).</summary>
    public PageClass ClassOf(ulong pfn) => FrameCode.ClassOf(CodeOf(pfn));

    public byte CodeOf(ulong pfn)
    {
        if (pfn >= TotalFrames)
        {
            return FrameCode.Of(PageClass.Unbacked);
        }
        return Runs.RunCode(RunIndexOf(pfn));
    }

    public int RunIndexOf(ulong pfn)
    {
        int lo = 0, hi = Runs.RunCount - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (Runs.RunStart(mid) <= pfn)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return lo;
    }

    public PageClassMap ToMap(bool withHeat = true, OwnerIndex? owners = null) =>
        Runs.ToMap(Epoch, PageSize, withHeat, owners);

    /// <summary>Encodes the map straight into wire chunks (no map object in between); the encoder is reused across scans.</summary>
    public List<MemoryMapChunk> ToChunks(MemoryMapChunkEncoder encoder, int maxChunkBytes, bool withHeat = true, OwnerIndex? owners = null)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        encoder.Reset(Epoch, PageSize, TotalFrames, withHeat, owners is not null, owners?.ToFrameOwners(), maxChunkBytes);
        Runs.WriteRuns(encoder, withHeat, owners);
        return encoder.Finish();
    }
}

using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>
/// A destination memory file that claims frames in its <see cref="HeldFrames"/> as the fault server does, and counts
/// installs per frame to prove none happens twice. <see cref="ZeroLocally"/> and <see cref="Remove"/> stand for a
/// fault on a skipped frame and a VMM's REMOVE.
/// </summary>
internal sealed class MemoryPageSink(GuestMemoryLayout layout) : IPageSink
{
    private readonly int[] _installs = new int[layout.TotalFrames];

    public HeldFrames Held { get; } = new(layout.TotalFrames);

    public byte[] File { get; } = new byte[layout.FileBytes];

    public int InstallsOf(ulong gfn) => Volatile.Read(ref _installs[gfn]);

    /// <summary>Called before each install; lets a test fault on the urgent path mid-transfer.</summary>
    public Action<ulong>? BeforeInstall { get; set; }

    /// <summary>Install calls so far, and how many had been made when the first zero-fill of a skipped frame came (-1: none yet).</summary>
    public int InstallCalls => Volatile.Read(ref _installCalls);

    public int InstallCallsBeforeFirstZeroFill { get; private set; } = -1;

    private int _installCalls;

    public InstallResult Install(ulong firstGfn, ReadOnlySpan<byte> pages)
    {
        Interlocked.Increment(ref _installCalls);
        var pageSize = (int)layout.PageSize;
        var count = pages.Length / pageSize;
        ulong installed = 0, held = 0, present = 0;
        for (var i = 0; i < count; i++)
        {
            var gfn = firstGfn + (ulong)i;
            BeforeInstall?.Invoke(gfn);
            if (!Held.TryClaim(gfn))
            {
                held++;
                continue;
            }
            if (Interlocked.Increment(ref _installs[gfn]) > 1)
            {
                present++;
            }
            installed++;
            pages.Slice(i * pageSize, pageSize).CopyTo(File.AsSpan((int)layout.FileOffsetOf(gfn), pageSize));
        }
        return new InstallResult(installed, held, present, false);
    }

    public InstallResult ZeroFill(ulong firstGfn, ulong count)
    {
        bool skipped;
        lock (Skipped)
        {
            skipped = Skipped.Contains(firstGfn);
        }
        if (skipped && InstallCallsBeforeFirstZeroFill < 0)
        {
            InstallCallsBeforeFirstZeroFill = InstallCalls;
        }
        ulong installed = 0;
        for (var gfn = firstGfn; gfn < firstGfn + count; gfn++)
        {
            installed += ZeroLocally(gfn) ? 1UL : 0;
        }
        return new InstallResult(installed, count - installed, 0, false);
    }

    /// <summary>Frames marked skipped (a fault on one would be zero-filled locally).</summary>
    public HashSet<ulong> Skipped { get; } = [];

    public void MarkSkipped(ulong firstGfn, ulong count)
    {
        lock (Skipped)
        {
            for (var gfn = firstGfn; gfn < firstGfn + count; gfn++)
            {
                Skipped.Add(gfn);
            }
        }
    }

    /// <summary>Zero-fills a frame at the destination (as a fault on a skipped frame does); false when it was held.</summary>
    public bool ZeroLocally(ulong gfn)
    {
        if (!Held.TryClaim(gfn))
        {
            return false;
        }
        Interlocked.Increment(ref _installs[gfn]);
        File.AsSpan((int)layout.FileOffsetOf(gfn), (int)layout.PageSize).Clear();
        return true;
    }

    /// <summary>The VMM removes a frame (balloon): held from now on, never installed, reads zero.</summary>
    public void Remove(ulong gfn)
    {
        Held.MarkRemoved(gfn);
        File.AsSpan((int)layout.FileOffsetOf(gfn), (int)layout.PageSize).Clear();
    }
}

using GuestAssist.Host.Engine;
using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Tests.Engine;

/// <summary>A destination memory file that counts installs per frame, to prove none happens twice.</summary>
internal sealed class MemoryPageSink(GuestMemoryLayout layout) : IPageSink
{
    private readonly int[] _installs = new int[layout.TotalFrames];

    public byte[] File { get; } = new byte[layout.FileBytes];

    public int InstallsOf(ulong gfn) => Volatile.Read(ref _installs[gfn]);

    /// <summary>Called before each install; lets a test fault on the urgent path mid-transfer.</summary>
    public Action<ulong>? BeforeInstall { get; set; }

    public int Install(ulong firstGfn, ReadOnlySpan<byte> pages)
    {
        var pageSize = (int)layout.PageSize;
        var count = pages.Length / pageSize;
        var present = 0;
        for (var i = 0; i < count; i++)
        {
            var gfn = firstGfn + (ulong)i;
            BeforeInstall?.Invoke(gfn);
            if (Interlocked.Increment(ref _installs[gfn]) > 1)
            {
                present++;
            }
            pages.Slice(i * pageSize, pageSize).CopyTo(File.AsSpan((int)layout.FileOffsetOf(gfn), pageSize));
        }
        return present;
    }

    public int ZeroFill(ulong firstGfn, int count)
    {
        var present = 0;
        for (var i = 0; i < count; i++)
        {
            var gfn = firstGfn + (ulong)i;
            if (Interlocked.Increment(ref _installs[gfn]) > 1)
            {
                present++;
            }
            File.AsSpan((int)layout.FileOffsetOf(gfn), (int)layout.PageSize).Clear();
        }
        return present;
    }
}

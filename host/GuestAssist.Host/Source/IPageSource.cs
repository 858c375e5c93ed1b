namespace GuestAssist.Host.Source;

/// <summary>Where the source reads guest pages from (the VM's memory at switchover).</summary>
public interface IPageSource : IDisposable
{
    uint PageSize { get; }

    /// <summary>
    /// Whether <see cref="Release"/> gives memory back (a memory file opened for writing, memory this process owns);
    /// false for memory the source only reads (another process's, a read-only file).
    /// </summary>
    bool CanRelease => false;

    /// <summary>Copies <paramref name="count"/> consecutive frames, all in one layout region, into <paramref name="destination"/>.</summary>
    void Read(ulong firstGfn, int count, Span<byte> destination);

    /// <summary>
    /// Frees the source's copy of <paramref name="count"/> consecutive frames, all in one layout region, that the
    /// destination confirmed installed: they read as zeros afterwards. Returns the bytes released (0 when it cannot).
    /// </summary>
    long Release(ulong firstGfn, int count) => 0;
}

namespace GuestAssist.Host.Source;

/// <summary>Where the source reads guest pages from (the VM's memory at switchover).</summary>
public interface IPageSource : IDisposable
{
    uint PageSize { get; }

    /// <summary>Copies <paramref name="count"/> consecutive frames, all in one layout region, into <paramref name="destination"/>.</summary>
    void Read(ulong firstGfn, int count, Span<byte> destination);
}

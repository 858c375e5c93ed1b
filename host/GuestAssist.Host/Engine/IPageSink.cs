namespace GuestAssist.Host.Engine;

/// <summary>Where the destination engine puts pages it received (the fault server's install path, or memory in tests). Thread-safe.</summary>
public interface IPageSink
{
    /// <summary>Installs consecutive pages starting at <paramref name="firstGfn"/>; returns how many were already present (EEXIST).</summary>
    int Install(ulong firstGfn, ReadOnlySpan<byte> pages);

    /// <summary>Installs zero pages locally; returns how many were already present.</summary>
    int ZeroFill(ulong firstGfn, int count);
}


namespace GuestAssist.Host.Destination;

/// <summary>
/// Where the destination engine puts pages it received (the fault server, or memory in tests). The sink owns the
/// destination's <see cref="HeldFrames"/> and claims each frame there before installing it, so the engine never keeps
/// a record of its own. Thread-safe.
/// </summary>
public interface IPageSink
{
    /// <summary>Every frame the destination holds (installed, zero-filled or removed): the one source of truth.</summary>
    HeldFrames Held { get; }

    /// <summary>Installs consecutive pages starting at <paramref name="firstGfn"/>, leaving frames already held alone.</summary>
    InstallResult Install(ulong firstGfn, ReadOnlySpan<byte> pages);

    /// <summary>Installs zero pages over [firstGfn, firstGfn+count), leaving frames already held alone.</summary>
    InstallResult ZeroFill(ulong firstGfn, ulong count);

    /// <summary>
    /// Frames the source skipped (proven free) whose zero-fill comes later: from now on a fault on one is answered
    /// with a local zero page, never asked of the source.
    /// </summary>
    void MarkSkipped(ulong firstGfn, ulong count);
}

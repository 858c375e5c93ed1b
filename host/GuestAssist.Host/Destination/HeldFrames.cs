namespace GuestAssist.Host.Destination;

/// <summary>
/// The destination's one record of the frames it holds: installed from the source, zero-filled locally, or removed
/// by the VMM (a removed frame is never installed; a fault on it gets a local zero page). Whoever installs claims a
/// frame here first (<see cref="TryClaim"/>), so a frame is installed at most once however many paths deliver it,
/// and a resumed transfer is greeted with <see cref="Snapshot"/>: the source sends nothing the destination holds.
/// Thread-safe.
/// </summary>
public sealed class HeldFrames
{
    private readonly AtomicBitmap _held;
    private readonly AtomicBitmap _removed;

    public HeldFrames(ulong totalFrames)
    {
        _held = new AtomicBitmap(totalFrames);
        _removed = new AtomicBitmap(totalFrames);
    }

    /// <summary>Frames the record covers (GFN 0 to Length - 1).</summary>
    public ulong Length => _held.Length;

    /// <summary>Frames held: installed (or being installed), zero-filled or removed.</summary>
    public long Count => _held.Count;

    /// <summary>Frames the VMM removed (REMOVE or UNMAP events).</summary>
    public long RemovedCount => _removed.Count;

    public bool IsHeld(ulong gfn) => _held.IsSet(gfn);

    public bool IsRemoved(ulong gfn) => _removed.IsSet(gfn);

    /// <summary>Claims a frame for installation; true only for the one caller that may install it (never for a removed frame).</summary>
    public bool TryClaim(ulong gfn) => !_removed.IsSet(gfn) && _held.TrySet(gfn);

    /// <summary>Records that the VMM removed a frame: held from now on (never fetched), zero-filled if the guest touches it.</summary>
    public void MarkRemoved(ulong gfn)
    {
        _removed.TrySet(gfn);
        _held.TrySet(gfn);
    }

    /// <summary>The held frames as words (bit i of word w = GFN w*64+i): what a resume hello tells the source.</summary>
    public ulong[] Snapshot() => _held.Snapshot();
}

namespace GuestAssist.FirecrackerStandIn;

/// <summary>What the stand-in sends in its handshake.</summary>
internal enum StandInMode
{
    /// <summary>Exactly what Firecracker sends; then touch pages, verify them, raise a REMOVE.</summary>
    Ok,

    /// <summary>Truncated JSON with the uffd.</summary>
    BadJson,

    /// <summary>Region 1's offset is not region 0's size.</summary>
    BadOffsets,

    /// <summary>A region base that is not page aligned.</summary>
    Misaligned,

    /// <summary>Valid JSON without the uffd.</summary>
    NoFd,

    /// <summary>Connect and close without sending.</summary>
    CloseEarly,
}

namespace GuestAssist.FirecrackerStandIn;

/// <summary>What the stand-in sends in its handshake, and how its guest behaves afterwards.</summary>
internal enum StandInMode
{
    /// <summary>Exactly what Firecracker ≥ 1.12 sends (page_size and page_size_kib); then touch pages, verify them, raise a REMOVE.</summary>
    Ok,

    /// <summary>Firecracker ≤ 1.6: only base_host_virt_addr, size and offset (page size = the host's), plus an unknown field.</summary>
    NoPageSize,

    /// <summary>Firecracker 1.7–1.11: page_size_kib only (in bytes).</summary>
    PageSizeKibOnly,

    /// <summary>Closes the handshake socket right after sending it while four vCPU threads fault every page (verified).</summary>
    HangUpWhileFaulting,

    /// <summary>Guest memory on hugetlbfs (MAP_HUGETLB, 2 MiB pages, huge_pages "2M"); touch, verify, REMOVE whole huge pages.</summary>
    HugePages,

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

    /// <summary>As <see cref="Ok"/>'s handshake; then read and verify every page and keep running, as a migrated VM does, until killed.</summary>
    VerifyAllThenRun,
}

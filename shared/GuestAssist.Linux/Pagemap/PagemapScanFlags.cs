namespace GuestAssist.Linux.Pagemap;

/// <summary>PM_SCAN_* flags.</summary>
[Flags]
internal enum PagemapScanFlags : ulong
{
    None = 0,

    /// <summary>Write-protect the matched pages again (atomically with reporting them).</summary>
    WpMatching = 1,

    /// <summary>Fail with EPERM unless the ranges are registered with an async-WP uffd.</summary>
    CheckWpAsync = 2,
}

namespace GuestAssist.Guest.ProcFs;

/// <summary>
/// Where the /proc and /sys files the guest library reads live. Tests point this at fixture directories.
/// </summary>
public sealed record ProcFsPaths(string ProcRoot, string SysRoot)
{
    public static ProcFsPaths Live { get; } = new("/proc", "/sys");

    public string KPageFlags => Path.Combine(ProcRoot, "kpageflags");

    public string KPageCount => Path.Combine(ProcRoot, "kpagecount");

    public string KPageCgroup => Path.Combine(ProcRoot, "kpagecgroup");

    public string IoMem => Path.Combine(ProcRoot, "iomem");

    public string VmStat => Path.Combine(ProcRoot, "vmstat");

    public string MemInfo => Path.Combine(ProcRoot, "meminfo");

    public string BuddyInfo => Path.Combine(ProcRoot, "buddyinfo");

    public string ZoneInfo => Path.Combine(ProcRoot, "zoneinfo");

    public string DamonAdmin => Path.Combine(SysRoot, "kernel", "mm", "damon", "admin");

    public string LruGenEnabled => Path.Combine(SysRoot, "kernel", "mm", "lru_gen", "enabled");

    public string SelfStatus => Path.Combine(ProcRoot, "self", "status");

    public string SelfSmaps => Path.Combine(ProcRoot, "self", "smaps");

    public string PageIdleBitmap => Path.Combine(SysRoot, "kernel", "mm", "page_idle", "bitmap");

    public string ProcessDirectory(int pid) => Path.Combine(ProcRoot, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public string ProcessFile(int pid, string name) => Path.Combine(ProcessDirectory(pid), name);
}

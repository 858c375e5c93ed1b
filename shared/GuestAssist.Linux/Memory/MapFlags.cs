namespace GuestAssist.Linux.Memory;

/// <summary>mmap MAP_* flags (x86_64).</summary>
[Flags]
public enum MapFlags
{
    None = 0,
    Shared = 0x01,
    Private = 0x02,
    Fixed = 0x10,
    Anonymous = 0x20,
    NoReserve = 0x4000,
    Populate = 0x8000,
}

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>UFFD_EVENT_* codes.</summary>
public enum UffdEventKind : byte
{
    None = 0,
    Pagefault = 0x12,
    Fork = 0x13,
    Remap = 0x14,
    Remove = 0x15,
    Unmap = 0x16,
}

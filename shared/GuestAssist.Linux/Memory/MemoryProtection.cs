namespace GuestAssist.Linux.Memory;

/// <summary>mmap PROT_* bits.</summary>
[Flags]
internal enum MemoryProtection
{
    None = 0,
    Read = 0x1,
    Write = 0x2,
    ReadWrite = Read | Write,
}

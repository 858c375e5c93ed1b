namespace GuestAssist.Linux.Memory;

/// <summary>madvise advice values.</summary>
internal enum MemoryAdvice
{
    Normal = 0,
    Random = 1,
    Sequential = 2,
    WillNeed = 3,
    DontNeed = 4,
    Remove = 9,
    HugePage = 14,
    NoHugePage = 15,
}

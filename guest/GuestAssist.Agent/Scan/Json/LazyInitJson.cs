namespace GuestAssist.Agent.Scan.Json;

/// <summary>Whether blank blocks were proven free on a kernel that initialises struct pages lazily.</summary>
internal sealed record LazyInitJson(ulong BlankBlockFrames, ulong MemFreeMinusNrFreePages, bool ProvenFree, string Reason);

using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.PageMaps;

/// <summary>A run of consecutive guest frames [StartGfn, StartGfn + Length) of one class.</summary>
public readonly record struct ClassRun(ulong StartGfn, ulong Length, PageClass Class)
{
    public ulong EndGfn => StartGfn + Length;
}

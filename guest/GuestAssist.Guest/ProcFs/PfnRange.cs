namespace GuestAssist.Guest.ProcFs;

/// <summary>Page frames [Start, End) (end exclusive).</summary>
public readonly record struct PfnRange(ulong Start, ulong End)
{
    public ulong Length => End - Start;
}

using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Pagemap;

/// <summary>struct pm_scan_arg (12 × u64 = 96 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PmScanArg
{
    internal const nuint Request = 0xC0606610;

    public ulong Size;
    public ulong Flags;
    public ulong Start;
    public ulong End;
    public ulong WalkEnd;
    public ulong Vector;
    public ulong VectorLength;
    public ulong MaxPages;
    public ulong CategoryInverted;
    public ulong CategoryMask;
    public ulong CategoryAnyOfMask;
    public ulong ReturnMask;
}

using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Classification;

/// <summary>Frames per <see cref="PageClass"/>; index = enum value.</summary>
public sealed class ClassCounts
{
    /// <summary>The classes in priority order (first sent first).</summary>
    public static IReadOnlyList<PageClass> Ordered { get; } =
    [
        PageClass.Kernel, PageClass.Hot, PageClass.Active, PageClass.Inactive,
        PageClass.Cache, PageClass.Unproven, PageClass.Free, PageClass.Unbacked,
    ];

    private readonly ulong[] _counts = new ulong[FrameCode.ClassMask + 1];

    public ulong this[PageClass pageClass]
    {
        get => _counts[(int)pageClass & FrameCode.ClassMask];
        set => _counts[(int)pageClass & FrameCode.ClassMask] = value;
    }

    public ulong Total
    {
        get
        {
            ulong total = 0;
            foreach (var count in _counts)
            {
                total += count;
            }
            return total;
        }
    }

    /// <summary>Frames known to hold data (kernel, hot, active, inactive, cache); unproven frames may or may not.</summary>
    public ulong InUse => this[PageClass.Kernel] + this[PageClass.Hot] + this[PageClass.Active]
        + this[PageClass.Inactive] + this[PageClass.Cache];

    public void Add(byte code, ulong frames) => _counts[code & FrameCode.ClassMask] += frames;

    public void Clear() => Array.Clear(_counts);

    public void CopyFrom(ClassCounts other) => other._counts.CopyTo(_counts, 0);
}

using GuestAssist.Protocol.V1;

namespace GuestAssist.Guest.Classification;

/// <summary>
/// One byte per classified frame: the <see cref="PageClass"/> value in bits 0-3 and the heat level
/// (<see cref="HeatLevel"/>) in bits 4-5, so a change in either starts a new run.
/// </summary>
public static class FrameCode
{
    public const byte ClassMask = 0x0F;
    public const int HeatShift = 4;

    /// <summary>
    /// Marks an unproven frame that sits in a whole 512-frame block of flagless, unmapped frames (struct pages
    /// possibly never initialised). It stays <see cref="PageClass.Unproven"/> unless a kernel figure proves the
    /// whole set of such frames free (<see cref="Scanning.LazyInitProof"/>).
    /// </summary>
    public const byte BlankBlockMarker = 0x40;

    /// <summary>The code of an unproven frame inside a blank block.</summary>
    public static byte BlankBlock => (byte)((int)PageClass.Unproven | BlankBlockMarker);

    public static byte Of(PageClass pageClass, HeatLevel heat = HeatLevel.Cold) =>
        (byte)((int)pageClass | ((int)heat << HeatShift));

    public static PageClass ClassOf(byte code) => (PageClass)(code & ClassMask);

    public static HeatLevel HeatOf(byte code) => (HeatLevel)((code >> HeatShift) & 0x3);

    /// <summary>Heat level as the map's per-run heat byte (0 cold .. 255 hot now).</summary>
    public static byte WireHeat(byte code) => HeatOf(code) switch
    {
        HeatLevel.Now => 255,
        HeatLevel.Recent => 128,
        _ => 0,
    };
}

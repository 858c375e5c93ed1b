namespace GuestAssist.Host.Layout;

/// <summary>What is wrong with a layout or a lookup, so callers and tests can tell errors apart without parsing text.</summary>
public enum LayoutErrorKind
{
    Invalid,
    Empty,
    Misaligned,
    OutOfRange,
    Overlap,
    FileOverlap,
    HostOverlap,
    NotBacked,
    NoHostAddress,

    /// <summary>A class map whose frame count or page size is not the layout's.</summary>
    ClassMapMismatch,
}

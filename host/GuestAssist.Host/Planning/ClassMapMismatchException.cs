using GuestAssist.Host.Layout;

namespace GuestAssist.Host.Planning;

/// <summary>A guest class map that does not describe the layout it is meant to order (another guest, or another size).</summary>
public sealed class ClassMapMismatchException : LayoutException
{
    public ClassMapMismatchException(string message, ulong mapFrames, ulong layoutFrames)
        : base(LayoutErrorKind.ClassMapMismatch, message)
    {
        MapFrames = mapFrames;
        LayoutFrames = layoutFrames;
    }

    /// <summary>Frames the map classifies.</summary>
    public ulong MapFrames { get; }

    /// <summary>Frames of the layout (highest GFN + 1, holes included).</summary>
    public ulong LayoutFrames { get; }
}

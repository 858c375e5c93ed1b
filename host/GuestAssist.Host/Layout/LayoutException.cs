namespace GuestAssist.Host.Layout;

/// <summary>A guest memory layout that does not add up, or an address outside it.</summary>
public class LayoutException : Exception
{
    public LayoutException(string message)
        : this(LayoutErrorKind.Invalid, message)
    {
    }

    public LayoutException(LayoutErrorKind kind, string message)
        : base(message)
    {
        Kind = kind;
    }

    public LayoutErrorKind Kind { get; }
}

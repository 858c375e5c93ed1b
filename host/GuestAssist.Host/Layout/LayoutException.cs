namespace GuestAssist.Host.Layout;

/// <summary>A guest memory layout that does not add up, or an address outside it.</summary>
public class LayoutException : Exception
{
    public LayoutException(string message)
        : base(message)
    {
    }
}

namespace GuestAssist.Host.Vmm;

/// <summary>The VMM refused or failed an operation of the eviction; the message says which and why, in one line.</summary>
public class VmmException : Exception
{
    public VmmException(string message)
        : base(message)
    {
    }

    public VmmException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public VmmException()
    {
    }
}

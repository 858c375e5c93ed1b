namespace GuestAssist.Host.DirtyLog.Files;

/// <summary>A dirty-log file that cannot be used: absent, malformed, or not matching the guest. The message names the file.</summary>
public sealed class DirtyLogFileException : IOException
{
    public DirtyLogFileException(string message)
        : base(message)
    {
    }

    public DirtyLogFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DirtyLogFileException()
    {
    }
}

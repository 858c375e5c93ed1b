namespace GuestAssist.Protocol.MapFiles;

/// <summary>A map file that cannot be read: absent, not a map file, truncated or corrupt. The message names the file and what is wrong.</summary>
public sealed class MapFileException : Exception
{
    public MapFileException(string message)
        : base(message)
    {
    }

    public MapFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public MapFileException()
    {
    }
}

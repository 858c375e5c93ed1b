namespace GuestAssist.Linux.Files;

/// <summary>A byte range of a file that holds data (not a hole).</summary>
internal readonly record struct FileExtent(long Offset, long Length)
{
    public long End => Offset + Length;
}

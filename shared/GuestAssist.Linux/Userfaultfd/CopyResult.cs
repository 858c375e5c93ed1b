namespace GuestAssist.Linux.Userfaultfd;

/// <summary>Outcome of a UFFDIO_COPY/ZEROPAGE and the bytes installed (the partial count for Retry).</summary>
public readonly record struct CopyResult(CopyOutcome Outcome, ulong Bytes)
{
    public static CopyResult Copied(ulong bytes) => new(CopyOutcome.Copied, bytes);

    public static CopyResult AlreadyPresent => new(CopyOutcome.AlreadyPresent, 0);

    public static CopyResult Retry(ulong partialBytes) => new(CopyOutcome.Retry, partialBytes);

    public static CopyResult Gone => new(CopyOutcome.Gone, 0);
}

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>What a UFFDIO_COPY or UFFDIO_ZEROPAGE did.</summary>
public enum CopyOutcome
{
    /// <summary>The whole range was installed.</summary>
    Copied,

    /// <summary>EEXIST: a page in the range is already mapped (nothing after it was installed); the page itself is done.</summary>
    AlreadyPresent,

    /// <summary>EAGAIN: an event is pending or only part was installed (see Bytes); read events, then retry the rest.</summary>
    Retry,

    /// <summary>ESRCH/ENOENT: the target process or the mapping is gone.</summary>
    Gone,
}

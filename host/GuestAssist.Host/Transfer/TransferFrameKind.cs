namespace GuestAssist.Host.Transfer;

/// <summary>The kind of a page-transfer frame (first byte of its 16-byte header).</summary>
internal enum TransferFrameKind : byte
{
    /// <summary>Destination → source: send frame Gfn now. Count is 1.</summary>
    UrgentRequest = 1,

    /// <summary>Source → destination: Count pages starting at Gfn, raw page data follows.</summary>
    Pages = 2,

    /// <summary>Source → destination: Count frames starting at Gfn are zero; no payload.</summary>
    ZeroRun = 3,

    /// <summary>Source → destination: nothing more will come on this channel.</summary>
    EndOfStream = 4,

    /// <summary>
    /// Source → destination, background channel, no fields: the VM stopped on the source. Pages and zero runs before it
    /// were pushed while the VM ran (hybrid) and are final only now (the ones written since were sent again before it);
    /// the destination installs them and may run the VM. A post-copy source sends it first.
    /// </summary>
    Switchover = 5,

    /// <summary>
    /// Destination → source, background channel: Count frames from Gfn are installed at the destination (after
    /// switchover), so the source may release its copy of them. A frame the source never sent may not be confirmed.
    /// </summary>
    Installed = 6,
}

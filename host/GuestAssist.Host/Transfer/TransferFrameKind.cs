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
}

namespace GuestAssist.Host.Transfer;

/// <summary>The source's answer to a channel hello.</summary>
public enum HelloStatus : byte
{
    Accepted = 0,

    /// <summary>The source serves another migration session.</summary>
    UnknownSession = 1,

    /// <summary>Page size or frame count differ from the source's memory.</summary>
    GeometryMismatch = 2,

    /// <summary>Another destination (another session) holds this migration's channels.</summary>
    ChannelBusy = 3,

    /// <summary>The destination's proof did not verify: wrong or missing secret.</summary>
    Unauthenticated = 4,
}

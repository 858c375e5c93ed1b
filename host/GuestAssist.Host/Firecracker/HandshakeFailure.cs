namespace GuestAssist.Host.Firecracker;

/// <summary>Why a Firecracker UFFD handshake was refused.</summary>
public enum HandshakeFailure
{
    /// <summary>The VMM closed the socket before sending its message.</summary>
    ConnectionClosed,

    /// <summary>Nothing arrived within the handshake timeout.</summary>
    TimedOut,

    /// <summary>The message is not a JSON array of GuestRegionUffdMapping.</summary>
    MalformedJson,

    /// <summary>No userfaultfd came with the message (or more than one descriptor did).</summary>
    MissingDescriptor,

    /// <summary>The regions are misaligned, overlap, have offsets that are not the concatenated sizes, or exceed the memory file.</summary>
    MappingsDoNotAddUp,

    /// <summary>The handshake was fine but its pages cannot be served: the memory file or page server is missing or does not match the layout.</summary>
    PageSourceUnavailable,
}

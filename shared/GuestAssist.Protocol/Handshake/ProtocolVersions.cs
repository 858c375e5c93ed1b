namespace GuestAssist.Protocol.Handshake;

/// <summary>Protocol versions this build speaks.</summary>
internal static class ProtocolVersions
{
    public const uint Current = 1;

    public const uint Minimum = 1;

    public static VersionRange Supported => new(Minimum, Current);
}

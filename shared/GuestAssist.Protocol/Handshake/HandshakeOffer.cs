namespace GuestAssist.Protocol.Handshake;

/// <summary>What one side offers in the handshake: its version range, capabilities and software name.</summary>
public sealed record HandshakeOffer
{
    public HandshakeOffer(VersionRange versions, IEnumerable<string> capabilities, string software = "")
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        Versions = versions;
        Capabilities = [.. capabilities.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Software = software ?? "";
    }

    public VersionRange Versions { get; }

    public IReadOnlyList<string> Capabilities { get; }

    public string Software { get; }

    /// <summary>This build's full offer: every version and capability it knows.</summary>
    public static HandshakeOffer Default(string software = "") =>
        new(ProtocolVersions.Supported, Handshake.Capabilities.All, software);
}

namespace GuestAssist.Protocol.Handshake;

/// <summary>
/// The outcome of a handshake as seen from one side: the version both speak, the capabilities both
/// have, those only this side has (<see cref="MissingThere"/>) and those only the peer has (<see cref="MissingHere"/>).
/// </summary>
public sealed record NegotiatedSession(
    uint Version,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> MissingHere,
    IReadOnlyList<string> MissingThere,
    string PeerSoftware)
{
    public bool Has(string capability) => Capabilities.Contains(capability, StringComparer.Ordinal);
}

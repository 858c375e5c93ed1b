namespace GuestAssist.Linux.Vsock;

/// <summary>Which peer CIDs a vsock listener keeps; everything else is closed on accept.</summary>
public sealed class VsockPeerPolicy
{
    private readonly HashSet<uint>? allowedCids;

    private VsockPeerPolicy(HashSet<uint>? allowedCids) => this.allowedCids = allowedCids;

    /// <summary>Only the host (CID 2): what a guest agent accepts by default.</summary>
    public static VsockPeerPolicy HostOnly { get; } = new([VsockCid.Host]);

    public static VsockPeerPolicy AnyPeer { get; } = new(null);

    public static VsockPeerPolicy Only(IEnumerable<uint> cids) => new([.. cids]);

    public bool Allows(VsockEndPoint peer) => allowedCids is null || allowedCids.Contains(peer.Cid);

    public override string ToString() =>
        allowedCids is null ? "any CID" : "CIDs " + string.Join(", ", allowedCids.Order());
}

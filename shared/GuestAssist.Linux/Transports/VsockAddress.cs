using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Transports;

/// <summary><c>vsock:cid:port</c> — AF_VSOCK; <c>vsock:port</c> means any local CID (for listening).</summary>
internal sealed record VsockAddress(uint Cid, uint Port) : TransportAddress
{
    public VsockEndPoint EndPoint => new(Cid, Port);

    public override string ToString() => Cid == VsockCid.Any ? $"vsock:{Port}" : $"vsock:{Cid}:{Port}";
}

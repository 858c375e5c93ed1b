using GuestAssist.Host.Destination;

namespace GuestAssist.Host.Firecracker;

/// <summary>
/// Makes the fault server's page requester for a handshake's layout, installing into the server it is given: a local
/// memory file (<see cref="MemoryFileRequester"/>) or a remote page server (<see cref="PostCopyClient.Connect(FaultServer, string, PostCopyClientOptions)"/>). It is disposed, when
/// disposable, once the VMM is gone.
/// </summary>
public delegate IPageRequester PageRequesterFactory(FaultServer server);

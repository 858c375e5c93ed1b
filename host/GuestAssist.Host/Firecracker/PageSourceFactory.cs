using GuestAssist.Host.Destination;

namespace GuestAssist.Host.Firecracker;

/// <summary>
/// Makes the page source for a handshake's layout and attaches it to the fault server (a local memory
/// file, or a remote PageServer connection from the post-copy engine). Dispose the result when the VMM is gone.
/// </summary>
public delegate IDisposable PageSourceFactory(FaultServer server);

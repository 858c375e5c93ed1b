using GuestAssist.Host.Destination;

namespace GuestAssist.Host.Firecracker;

/// <summary>
/// Makes the page source for a handshake's layout: the fault server's requester, installing into the server it is
/// given (a local memory file, or a remote PageServer connection from the post-copy engine). It is disposed, when
/// disposable, once the VMM is gone.
/// </summary>
public delegate IPageRequester PageSourceFactory(FaultServer server);

using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Interop;

/// <summary>
/// Keeps a SafeHandle's descriptor open (neither closed nor its number reused) for a scope longer than one call: e.g.
/// while it sits in an epoll set, where closing it would drop a readiness already queued. A Dispose of the handle
/// meanwhile only marks it closed; the close happens when the lease ends. One import call needs no lease: the
/// marshaller takes the same reference for the call.
/// </summary>
internal ref struct HandleLease : IDisposable
{
    private readonly SafeHandle _handle;
    private bool _added;

    public HandleLease(SafeHandle handle)
    {
        _handle = handle;
        handle.DangerousAddRef(ref _added);
    }

    public void Dispose()
    {
        if (_added)
        {
            _added = false;
            _handle.DangerousRelease();
        }
    }
}

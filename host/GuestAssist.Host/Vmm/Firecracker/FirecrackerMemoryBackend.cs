namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>
/// <c>mem_backend</c> of a snapshot load: <c>{"backend_type": "Uffd", "backend_path": SOCKET}</c> makes Firecracker hand
/// its guest memory's userfaultfd to the page-fault handler listening there (<c>guestassist uffd-handler --socket SOCKET</c>);
/// "File" maps a memory file.
/// </summary>
public sealed record FirecrackerMemoryBackend(string BackendType, string BackendPath)
{
    public static FirecrackerMemoryBackend Uffd(string handlerSocket) => new("Uffd", handlerSocket);
}

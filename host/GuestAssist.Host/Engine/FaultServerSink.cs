using GuestAssist.Host.Destination;

namespace GuestAssist.Host.Engine;

/// <summary>
/// Installs received pages through a userfaultfd fault server (batched UFFDIO_COPY / UFFDIO_ZEROPAGE). The fault
/// server claims each frame in its own received bitmap, so frames it already has (a local zero-fill of a skipped
/// frame, a REMOVEd range) are left alone; genuine EEXIST results show in its AlreadyPresent counter.
/// </summary>
public sealed class FaultServerSink(FaultServer faultServer) : IPageSink
{
    public FaultServer FaultServer { get; } = faultServer ?? throw new ArgumentNullException(nameof(faultServer));

    public int Install(ulong firstGfn, ReadOnlySpan<byte> pages)
    {
        var result = FaultServer.Install(firstGfn, pages);
        return result.TargetGone ? throw new IOException("the destination VM's memory is gone") : 0;
    }

    public int ZeroFill(ulong firstGfn, int count)
    {
        var result = FaultServer.ZeroFill(firstGfn, (ulong)count);
        return result.TargetGone ? throw new IOException("the destination VM's memory is gone") : 0;
    }
}

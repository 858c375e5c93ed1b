namespace GuestAssist.Host.Transfer;

/// <summary>
/// The destination confirmed frames the source has not sent it (since switchover): nothing of that confirmation is
/// released and the connection ends. An honest destination never does this; a confused or hostile one cannot make the
/// source free pages the destination does not hold.
/// </summary>
public sealed class AcknowledgementRefusedException(ulong firstGfn, uint count, ulong firstUnsent)
    : TransferProtocolException($"the destination confirmed frames {firstGfn}+{count} installed, but frame {firstUnsent} was never sent to it: nothing released")
{
    public ulong FirstGfn { get; } = firstGfn;

    public uint Count { get; } = count;

    public ulong FirstUnsent { get; } = firstUnsent;
}

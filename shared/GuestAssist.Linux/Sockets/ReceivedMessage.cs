namespace GuestAssist.Linux.Sockets;

/// <summary>
/// One recvmsg(2) result: payload byte count, the descriptors that came with it (owned by the receiver),
/// and whether the kernel truncated the payload or the control data (MSG_TRUNC / MSG_CTRUNC).
/// </summary>
internal sealed record ReceivedMessage(int Bytes, IReadOnlyList<FileDescriptorHandle> Descriptors, bool PayloadTruncated, bool DescriptorsTruncated)
{
    /// <summary>The peer closed the connection before sending anything.</summary>
    public bool EndOfStream => Bytes == 0 && Descriptors.Count == 0;
}

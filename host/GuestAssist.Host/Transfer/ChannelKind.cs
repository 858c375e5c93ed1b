namespace GuestAssist.Host.Transfer;

/// <summary>Which of the two page-transfer connections a channel is.</summary>
public enum ChannelKind : byte
{
    /// <summary>Demand faults: the destination asks for one frame, the source answers at once.</summary>
    Urgent = 1,

    /// <summary>The source pushes every other frame in plan order.</summary>
    Background = 2,
}

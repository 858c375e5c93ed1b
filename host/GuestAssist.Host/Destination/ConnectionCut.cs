using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Destination;

/// <summary>A deliberate cut of one channel once the destination has received <paramref name="AfterPages"/> frames (recovery drills).</summary>
internal sealed record ConnectionCut(ChannelKind Channel, long AfterPages);

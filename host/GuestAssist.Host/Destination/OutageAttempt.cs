using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Destination;

/// <summary>One failed attempt to reach the page server during an outage, for logs and progress.</summary>
public sealed record OutageAttempt(ChannelKind Channel, int Attempt, TimeSpan Down, TimeSpan NextWait, string Error);

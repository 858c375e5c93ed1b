namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>One console line and the host time (Stopwatch timestamp) it arrived.</summary>
public readonly record struct TimedLine(long Timestamp, string Text);

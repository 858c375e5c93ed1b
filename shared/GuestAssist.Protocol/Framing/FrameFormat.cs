namespace GuestAssist.Protocol.Framing;

/// <summary>Wire framing: a u32 little-endian payload length, then that many bytes of one Envelope.</summary>
internal static class FrameFormat
{
    public const int HeaderSize = sizeof(uint);

    /// <summary>Default upper bound on a frame's payload (the Envelope bytes, header excluded).</summary>
    public const int DefaultMaxFrameSize = 4 * 1024 * 1024;

    /// <summary>Largest maximum a caller may configure; keeps header + payload inside one array.</summary>
    public const int LargestMaxFrameSize = 256 * 1024 * 1024;

    internal static int ValidateMaxFrameSize(int maxFrameSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrameSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFrameSize, LargestMaxFrameSize);
        return maxFrameSize;
    }
}

namespace GuestAssist.Host.Transfer;

/// <summary>Hard bounds a peer's frames are checked against before anything is allocated.</summary>
internal static class TransferLimits
{
    public const uint ProtocolMagic = 0x54504147; // "GAPT"

    /// <summary>
    /// 2: a source challenge opens every channel and both sides prove the per-migration secret.
    /// 3: the source marks switchover on the background channel (pages before it are a hybrid push, staged until then)
    /// and the destination confirms installed frames on it, so the source can release its copy page by page.
    /// </summary>
    public const ushort ProtocolVersion = 3;

    /// <summary>Most pages one Pages frame may carry (1 MiB of 4 KiB pages).</summary>
    public const int MaxPagesPerFrame = 256;

    /// <summary>Most frames a session may have: 2^28 (1 TiB of 4 KiB pages); bounds the resume bitmap to 32 MiB.</summary>
    public const ulong MaxTotalFrames = 1UL << 28;

    /// <summary>Largest frames in a ZeroRun.</summary>
    public const uint MaxZeroRun = 1U << 30;

    public const uint MinPageSize = 4096;

    public const uint MaxPageSize = 1U << 21;

    /// <summary>How long a peer may take from connecting to a finished hello.</summary>
    public static TimeSpan HandshakeTimeout { get; } = TimeSpan.FromSeconds(10);
}

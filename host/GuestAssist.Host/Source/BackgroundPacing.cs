using System.Net.Sockets;

namespace GuestAssist.Host.Source;

/// <summary>
/// The kernel paces the background channel's packets a little below the link (SO_MAX_PACING_RATE). Paced only by the
/// token bucket, the stream ran at the link's full rate, so the link's queue never drained: TCP keeps up to a MiB of a
/// flow queued below it, and an urgent page waited behind that backlog (in the benchmark, faults took 0.1 ms at the
/// median and 1–7 ms at the 90th–99th percentile). The headroom keeps the queue empty for urgent pages; the urgent
/// channel is not paced.
/// </summary>
internal static class BackgroundPacing
{
    /// <summary>Share of the link the background stream may fill.</summary>
    public const double LinkShare = 0.95;

    private const int SolSocket = 1;
    private const int SoMaxPacingRate = 47;

    /// <summary>Paces a TCP connection at <see cref="LinkShare"/> of <paramref name="link"/>; no-op for Unix sockets or no limit. Best effort.</summary>
    public static bool Apply(Socket connection, LinkRate? link)
    {
        if (link is not { IsUnlimited: false } rate || connection.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }
        try
        {
            // Bytes per second of whole packets, headers included: the payload rate lands a few percent below LinkShare.
            connection.SetRawSocketOption(SolSocket, SoMaxPacingRate, BitConverter.GetBytes((ulong)(rate.BytesPerSecond * LinkShare)));
            return true;
        }
        catch (SocketException)
        {
            return false; // an old kernel: the token bucket alone paces the stream
        }
    }
}

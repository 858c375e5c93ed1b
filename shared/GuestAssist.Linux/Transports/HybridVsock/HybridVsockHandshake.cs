using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace GuestAssist.Linux.Transports.HybridVsock;

/// <summary>
/// The host side of the Firecracker / Cloud Hypervisor vsock muxer handshake: send
/// <c>CONNECT &lt;port&gt;\n</c>, read <c>OK &lt;hostport&gt;\n</c>. Bytes that arrive after the
/// answer line in the same read belong to the guest and are handed on, not dropped.
/// </summary>
internal static class HybridVsockHandshake
{
    /// <summary>"OK 4294967295\n" is 14 bytes; anything without a line end in this many is not an answer.</summary>
    public const int MaxAnswerBytes = 32;

    public static async ValueTask<HybridVsockConnection> ConnectAsync(
        Stream muxer,
        TransportAddress address,
        uint port,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var buffer = new byte[MaxAnswerBytes];
        var filled = 0;
        var lineEnd = -1;
        try
        {
            await muxer.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {port}\n"), deadline.Token).ConfigureAwait(false);
            while (lineEnd < 0)
            {
                if (filled == buffer.Length)
                {
                    throw Violation(address, $"the answer to CONNECT {port} has no line end within {MaxAnswerBytes} bytes: \"{Printable(buffer)}\"");
                }

                var read = await muxer.ReadAsync(buffer.AsMemory(filled), deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    throw filled == 0
                        ? NoListener(address, port, "closed", innerException: null)
                        : Violation(address, $"the VMM closed the connection in the middle of its answer \"{Printable(buffer.AsSpan(0, filled))}\"");
                }

                var found = buffer.AsSpan(filled, read).IndexOf((byte)'\n');
                lineEnd = found < 0 ? -1 : filled + found;
                filled += read;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransportException(address, TransportOperation.Handshake, TransportFailure.Timeout,
                $"the VMM did not answer CONNECT {port} within {timeout.TotalMilliseconds:0} ms");
        }
        catch (IOException error) when (error is not TransportException && filled == 0 && error.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            throw NoListener(address, port, "reset", error);
        }
        catch (IOException error) when (error is not TransportException)
        {
            throw TransportException.FromOs(address, TransportOperation.Handshake, error.InnerException ?? error, $"CONNECT {port}");
        }

        var line = buffer.AsSpan(0, lineEnd);
        if (!TryParseOk(line, out var hostPort))
        {
            throw Violation(address, $"expected \"OK <host port>\" in answer to CONNECT {port}, got \"{Printable(line)}\"");
        }

        var payload = buffer.AsMemory(lineEnd + 1, filled - lineEnd - 1);
        return new HybridVsockConnection(new PrereadStream(payload, muxer), hostPort);
    }

    private static bool TryParseOk(ReadOnlySpan<byte> line, out uint hostPort)
    {
        hostPort = 0;
        return line.StartsWith("OK "u8)
            && line.Length > 3
            && uint.TryParse(line[3..], NumberStyles.None, CultureInfo.InvariantCulture, out hostPort);
    }

    private static TransportException NoListener(TransportAddress address, uint port, string how, Exception? innerException) =>
        new(address, TransportOperation.Handshake, TransportFailure.NoGuestListener,
            $"the VMM {how} the connection after CONNECT {port}: nothing in the guest listens on vsock port {port}",
            innerException);

    private static TransportException Violation(TransportAddress address, string detail) =>
        new(address, TransportOperation.Handshake, TransportFailure.ProtocolViolation, detail);

    /// <summary>ASCII as is, everything else as \xNN, so garbage shows up readably in messages.</summary>
    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }
        }

        return text.ToString();
    }
}

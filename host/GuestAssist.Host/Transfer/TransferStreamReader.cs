namespace GuestAssist.Host.Transfer;

/// <summary>Reads page-transfer frames from a connected stream. One reader thread per stream.</summary>
public sealed class TransferStreamReader
{
    private readonly Stream _stream;
    private readonly uint _pageSize;
    private readonly ulong _totalFrames;
    private readonly byte[] _header = new byte[TransferFrameHeader.Size];

    public TransferStreamReader(Stream stream, uint pageSize, ulong totalFrames)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _pageSize = pageSize;
        _totalFrames = totalFrames;
    }

    /// <summary>Bytes a payload buffer needs to hold the largest frame.</summary>
    public int MaxPayloadBytes => checked((int)(TransferLimits.MaxPagesPerFrame * _pageSize));

    /// <summary>
    /// Reads the next frame; its payload (page data) goes to the start of <paramref name="payload"/>.
    /// False when the peer closed the stream cleanly between frames; a stream cut inside a frame throws.
    /// </summary>
    public bool TryReadFrame(out TransferFrameHeader header, Span<byte> payload)
    {
        var first = _stream.Read(_header);
        if (first == 0)
        {
            header = default;
            return false;
        }
        if (first < _header.Length)
        {
            ReadExactlyOrThrow(_stream, _header.AsSpan(first), "frame header");
        }
        header = TransferFrameHeader.Parse(_header, _totalFrames);
        var bytes = header.PayloadBytes(_pageSize);
        if (bytes > payload.Length)
        {
            throw new ArgumentException($"payload buffer of {payload.Length} bytes is smaller than the {bytes}-byte frame", nameof(payload));
        }
        if (bytes > 0)
        {
            ReadExactlyOrThrow(_stream, payload[..bytes], $"payload of {header.Kind} {header.Gfn}+{header.Count}");
        }
        return true;
    }

    /// <summary>Fills <paramref name="buffer"/> or throws a protocol error naming what was cut short.</summary>
    public static void ReadExactlyOrThrow(Stream stream, Span<byte> buffer, string what)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var done = 0;
        while (done < buffer.Length)
        {
            var n = stream.Read(buffer[done..]);
            if (n == 0)
            {
                throw new TransferProtocolException($"connection closed inside the {what} after {done} of {buffer.Length} bytes");
            }
            done += n;
        }
    }
}

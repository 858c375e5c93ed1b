namespace GuestAssist.Host.Transfer;

/// <summary>
/// Reads page-transfer frames from a connected stream. One reader thread per stream, and once frames are read here
/// nothing else may read the stream: each receive asks for up to <see cref="ReadAheadBytes"/>, so a header and a
/// small payload (an urgent page) arrive in one system call and one wake-up.
/// </summary>
internal sealed class TransferStreamReader
{
    /// <summary>Most bytes taken from the stream beyond the frame being read.</summary>
    public const int ReadAheadBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly uint _pageSize;
    private readonly ulong _totalFrames;
    private readonly byte[] _buffer = new byte[ReadAheadBytes];
    private int _start;
    private int _end;

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
        if (!Buffer(TransferFrameHeader.Size, "frame header"))
        {
            header = default;
            return false;
        }
        header = TransferFrameHeader.Parse(_buffer.AsSpan(_start, TransferFrameHeader.Size), _totalFrames);
        _start += TransferFrameHeader.Size;
        var bytes = header.PayloadBytes(_pageSize);
        if (bytes > payload.Length)
        {
            // The caller sized the buffer for what this channel may carry: a bigger frame is the peer's error.
            throw new TransferProtocolException(payload.IsEmpty
                ? $"a {header.Kind} frame with {bytes} bytes of pages is not allowed on this channel"
                : $"a {header.Kind} frame of {bytes} bytes exceeds the {payload.Length} bytes this channel takes");
        }
        if (bytes > 0)
        {
            var buffered = Math.Min(bytes, _end - _start);
            _buffer.AsSpan(_start, buffered).CopyTo(payload);
            _start += buffered;
            if (buffered < bytes)
            {
                ReadExactlyOrThrow(_stream, payload[buffered..bytes], $"payload of {header.Kind} {header.Gfn}+{header.Count}", buffered);
            }
        }
        return true;
    }

    /// <summary>
    /// Makes at least <paramref name="bytes"/> bytes available at _start. False on a clean end of stream before any of
    /// them; a stream that ends part way throws.
    /// </summary>
    private bool Buffer(int bytes, string what)
    {
        if (_end - _start >= bytes)
        {
            return true;
        }
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        while (_end < bytes)
        {
            var n = _stream.Read(_buffer.AsSpan(_end));
            if (n == 0)
            {
                if (_end == 0)
                {
                    return false;
                }
                throw new TransferProtocolException($"connection closed inside the {what} after {_end} of {bytes} bytes");
            }
            _end += n;
        }
        return true;
    }

    /// <summary>Fills <paramref name="buffer"/> or throws a protocol error naming what was cut short.</summary>
    public static void ReadExactlyOrThrow(Stream stream, Span<byte> buffer, string what) => ReadExactlyOrThrow(stream, buffer, what, 0);

    private static void ReadExactlyOrThrow(Stream stream, Span<byte> buffer, string what, int alreadyRead)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var done = 0;
        while (done < buffer.Length)
        {
            var n = stream.Read(buffer[done..]);
            if (n == 0)
            {
                throw new TransferProtocolException($"connection closed inside the {what} after {alreadyRead + done} of {alreadyRead + buffer.Length} bytes");
            }
            done += n;
        }
    }
}

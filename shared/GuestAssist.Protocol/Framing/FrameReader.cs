using System.Buffers;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Framing;

/// <summary>
/// Reads frames from a stream into one pooled, reused buffer. A clean end of stream between frames
/// returns null; anything else wrong gives a <see cref="ProtocolException"/>. After a payload that is
/// not an Envelope the reader stays in step (the frame was consumed whole) and may go on reading; after
/// an oversized length or a truncated frame it is <see cref="IsFaulted"/> and every read throws.
/// Not thread-safe: one reader per stream.
/// </summary>
internal sealed class FrameReader : IDisposable
{
    private const int InitialBufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly int _maxFrameSize;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private ProtocolException? _fault;
    private bool _disposed;

    public FrameReader(Stream stream, int maxFrameSize = FrameFormat.DefaultMaxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _maxFrameSize = FrameFormat.ValidateMaxFrameSize(maxFrameSize);
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, FrameFormat.HeaderSize + _maxFrameSize));
    }

    public int MaxFrameSize => _maxFrameSize;

    /// <summary>True once the stream can no longer be split into frames (oversized length, truncation).</summary>
    public bool IsFaulted => _fault is not null;

    /// <summary>The next frame, or null at a clean end of stream.</summary>
    public async ValueTask<Envelope?> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is not null)
        {
            throw new ProtocolException(_fault.Code, $"the frame stream is unusable after an earlier error: {_fault.Message}", _fault);
        }
        while (true)
        {
            var available = _end - _start;
            int payloadLength;
            try
            {
                if (FrameCodec.TryReadHeader(_buffer.AsSpan(_start, available), _maxFrameSize, out payloadLength)
                    && available - FrameFormat.HeaderSize >= payloadLength)
                {
                    var payload = _buffer.AsSpan(_start + FrameFormat.HeaderSize, payloadLength);
                    // Consume first: a payload that fails to parse must not desynchronise the stream.
                    _start += FrameFormat.HeaderSize + payloadLength;
                    if (_start == _end)
                    {
                        _start = _end = 0;
                    }
                    return FrameCodec.ParsePayload(payload);
                }
            }
            catch (ProtocolException ex) when (ex.Code == ErrorCode.FrameTooLarge)
            {
                _fault = ex;
                throw;
            }
            var needed = available < FrameFormat.HeaderSize
                ? FrameFormat.HeaderSize
                : FrameFormat.HeaderSize + payloadLength;
            EnsureRoom(needed);
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (available == 0)
                {
                    return null;
                }
                _fault = new ProtocolException(
                    ErrorCode.MalformedFrame,
                    available < FrameFormat.HeaderSize
                        ? $"stream ended inside a frame header ({available} of {FrameFormat.HeaderSize} bytes)"
                        : $"stream ended inside a frame ({available - FrameFormat.HeaderSize} of {payloadLength} payload bytes)");
                throw _fault;
            }
            _end += read;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    /// <summary>Makes room for a whole frame of <paramref name="frameLength"/> bytes starting at _start.</summary>
    private void EnsureRoom(int frameLength)
    {
        if (_buffer.Length - _start >= frameLength && _end < _buffer.Length)
        {
            return;
        }
        var available = _end - _start;
        if (_buffer.Length >= frameLength)
        {
            _buffer.AsSpan(_start, available).CopyTo(_buffer);
        }
        else
        {
            // frameLength was checked against the maximum before we got here.
            var larger = ArrayPool<byte>.Shared.Rent(frameLength);
            _buffer.AsSpan(_start, available).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
        _start = 0;
        _end = available;
    }
}

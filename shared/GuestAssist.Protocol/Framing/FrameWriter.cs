using System.Buffers;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Framing;

/// <summary>
/// Writes frames to a stream, one whole frame per stream write, callers serialised so frames never
/// interleave. Cancellation applies while waiting for the turn; a write that has started is finished,
/// because abandoning it halfway would corrupt the stream for everyone.
/// </summary>
internal sealed class FrameWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly int _maxFrameSize;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public FrameWriter(Stream stream, int maxFrameSize = FrameFormat.DefaultMaxFrameSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _maxFrameSize = FrameFormat.ValidateMaxFrameSize(maxFrameSize);
    }

    public int MaxFrameSize => _maxFrameSize;

    /// <summary>Encodes and writes one frame; a message over the maximum gives a <see cref="ProtocolException"/> and writes nothing.</summary>
    public async ValueTask WriteAsync(Envelope envelope, CancellationToken cancellationToken = default)
    {
        var payloadLength = FrameCodec.CheckedPayloadLength(envelope, _maxFrameSize);
        var frameLength = FrameFormat.HeaderSize + payloadLength;
        var buffer = ArrayPool<byte>.Shared.Rent(frameLength);
        try
        {
            FrameCodec.WriteFrame(envelope, payloadLength, buffer.AsSpan(0, frameLength));
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(buffer.AsMemory(0, frameLength), CancellationToken.None).ConfigureAwait(false);
                await _stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _gate.Dispose();
}

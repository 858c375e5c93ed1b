using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.Support;

/// <summary>A hand-driven peer for adversarial tests: writes whatever bytes it is told, reads frames.</summary>
internal sealed class RawPeer(Stream stream) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FrameReader _reader = new(stream);

    public Task SendAsync(Envelope envelope) => SendRawAsync(FrameCodec.Encode(envelope));

    public async Task SendRawAsync(byte[] bytes)
    {
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    public async Task<Envelope?> ReadAsync() => await _reader.ReadAsync().AsTask().WaitAsync(Patience);

    public async Task<Envelope> ReadFrameAsync() => await ReadAsync() ?? throw new EndOfStreamException("peer closed");

    public void Close() => stream.Dispose();

    public void Dispose()
    {
        stream.Dispose();
        _reader.Dispose();
    }
}

namespace GuestAssist.Linux.Tests.Transports.HybridVsock;

/// <summary>A peer that answers reads with a fixed script of chunks, then ends (or fails), and records what was written.</summary>
public sealed class ScriptedStream(IEnumerable<byte[]> chunks, Exception? endWith = null) : Stream
{
    private readonly Queue<byte[]> script = new(chunks);
    private readonly MemoryStream written = new();
    private byte[] current = [];
    private int offset;

    public byte[] Written => written.ToArray();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (this.offset == current.Length)
        {
            if (!script.TryDequeue(out var next))
            {
                return endWith is null ? 0 : throw endWith;
            }

            current = next;
            this.offset = 0;
        }

        var count = Math.Min(buffer.Length, current.Length - this.offset);
        current.AsSpan(this.offset, count).CopyTo(buffer);
        this.offset += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override void Write(byte[] buffer, int offset, int count) => written.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        written.Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

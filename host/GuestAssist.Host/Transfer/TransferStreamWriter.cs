namespace GuestAssist.Host.Transfer;

/// <summary>
/// Writes page-transfer frames to a connected stream; safe to call from several threads. A frame up to
/// <see cref="CoalesceBytes"/> goes out in one write, so the reader wakes once for header and pages.
/// </summary>
internal sealed class TransferStreamWriter
{
    /// <summary>Largest frame (header + pages) copied into one buffer and written with one call.</summary>
    public const int CoalesceBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly uint _pageSize;
    private readonly Lock _gate = new();
    private readonly byte[] _frame = new byte[CoalesceBytes];

    public TransferStreamWriter(Stream stream, uint pageSize)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _pageSize = pageSize;
    }

    public void WriteUrgentRequest(ulong gfn) => WriteHeaderOnly(TransferFrameHeader.UrgentRequest(gfn));

    public void WriteZeroRun(ulong firstGfn, uint count, ZeroRunReason reason) =>
        WriteHeaderOnly(TransferFrameHeader.ZeroRun(firstGfn, count, reason));

    public void WriteEndOfStream() => WriteHeaderOnly(TransferFrameHeader.EndOfStream);

    public void WriteSwitchover() => WriteHeaderOnly(TransferFrameHeader.Switchover);

    public void WriteInstalled(ulong firstGfn, uint count) => WriteHeaderOnly(TransferFrameHeader.Installed(firstGfn, count));

    /// <summary>Sends <paramref name="count"/> pages starting at <paramref name="firstGfn"/>; data holds exactly count pages.</summary>
    public void WritePages(ulong firstGfn, int count, ReadOnlySpan<byte> data)
    {
        if (count is < 1 or > TransferLimits.MaxPagesPerFrame)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"1..{TransferLimits.MaxPagesPerFrame} pages per frame");
        }
        if (data.Length != count * (long)_pageSize)
        {
            throw new ArgumentException($"{data.Length} bytes of data for {count} pages of {_pageSize} bytes", nameof(data));
        }
        lock (_gate)
        {
            TransferFrameHeader.Pages(firstGfn, count).Write(_frame);
            if (TransferFrameHeader.Size + data.Length <= CoalesceBytes)
            {
                data.CopyTo(_frame.AsSpan(TransferFrameHeader.Size));
                _stream.Write(_frame, 0, TransferFrameHeader.Size + data.Length);
                return;
            }
            _stream.Write(_frame, 0, TransferFrameHeader.Size);
            _stream.Write(data);
        }
    }

    public void Flush()
    {
        lock (_gate)
        {
            _stream.Flush();
        }
    }

    private void WriteHeaderOnly(TransferFrameHeader header)
    {
        lock (_gate)
        {
            header.Write(_frame);
            _stream.Write(_frame, 0, TransferFrameHeader.Size);
        }
    }
}

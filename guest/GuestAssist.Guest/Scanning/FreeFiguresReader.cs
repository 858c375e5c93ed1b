using System.Buffers.Text;
using GuestAssist.Guest.ProcFs;
using Microsoft.Win32.SafeHandles;

namespace GuestAssist.Guest.Scanning;

/// <summary>
/// Reads MemFree (meminfo) and nr_free_pages (vmstat) without allocating: both files stay open and are
/// re-read from offset 0 into one reused buffer (procfs regenerates them on every read from the start).
/// </summary>
internal sealed class FreeFiguresReader : IDisposable
{
    private readonly SafeFileHandle? _memInfo;
    private readonly SafeFileHandle? _vmStat;
    private readonly byte[] _buffer = new byte[64 * 1024];

    public FreeFiguresReader(ProcFsPaths paths)
    {
        _memInfo = TryOpen(paths.MemInfo);
        _vmStat = TryOpen(paths.VmStat);
    }

    /// <summary>
    /// MemFree − nr_free_pages in pages, read as vmstat, meminfo, vmstat until both vmstat reads agree;
    /// null when a figure is missing or never holds still.
    /// </summary>
    public ulong? UninitialisedFree(uint pageSize)
    {
        if (_memInfo is null || _vmStat is null)
        {
            return null;
        }
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var first = Read(_vmStat, "nr_free_pages "u8);
            var memFreeKb = Read(_memInfo, "MemFree:"u8);
            var second = Read(_vmStat, "nr_free_pages "u8);
            if (first is null || memFreeKb is null || second is null)
            {
                return null;
            }
            if (first == second)
            {
                var memFree = memFreeKb.Value * 1024 / pageSize;
                return memFree > first.Value ? memFree - first.Value : 0;
            }
        }
        return null;
    }

    public void Dispose()
    {
        _memInfo?.Dispose();
        _vmStat?.Dispose();
    }

    private ulong? Read(SafeFileHandle file, ReadOnlySpan<byte> key)
    {
        int length;
        try
        {
            length = RandomAccess.Read(file, _buffer, 0);
        }
        catch (IOException)
        {
            return null;
        }
        var text = _buffer.AsSpan(0, length);
        while (!text.IsEmpty)
        {
            var end = text.IndexOf((byte)'\n');
            var line = end < 0 ? text : text[..end];
            if (line.StartsWith(key))
            {
                var value = line[key.Length..].TrimStart((byte)' ');
                return Utf8Parser.TryParse(value, out ulong parsed, out _) ? parsed : null;
            }
            text = end < 0 ? default : text[(end + 1)..];
        }
        return null;
    }

    private static SafeFileHandle? TryOpen(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

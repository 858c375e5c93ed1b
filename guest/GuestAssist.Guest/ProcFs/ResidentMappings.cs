using System.Buffers;
using System.Buffers.Text;

namespace GuestAssist.Guest.ProcFs;

/// <summary>
/// A process's mappings that have resident pages, as page-number ranges, from /proc/&lt;pid&gt;/smaps. Walking
/// only these keeps pagemap reads proportional to resident memory: runtimes reserve huge untouched ranges.
/// smaps is parsed as bytes from a caller's buffer: a big process's smaps is megabytes of text, which as
/// strings would be garbage on every scan.
/// </summary>
internal static class ResidentMappings
{
    /// <summary>Buffer size for <see cref="Read(ProcFsPaths, int, List{ValueTuple{ulong, ulong}}, byte[])"/>: many smaps lines, and more than any one line.</summary>
    public const int BufferBytes = 64 * 1024;

    /// <summary>Throws what reading smaps throws: the caller decides what a vanished or hidden process means.</summary>
    public static List<(ulong Start, ulong End)> Read(ProcFsPaths paths, int pid)
    {
        var mappings = new List<(ulong, ulong)>();
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
        try
        {
            Read(paths, pid, mappings, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return mappings;
    }

    /// <summary>Replaces the contents of <paramref name="mappings"/>; <paramref name="buffer"/> is scratch space.</summary>
    public static void Read(ProcFsPaths paths, int pid, List<(ulong Start, ulong End)> mappings, byte[] buffer)
    {
        mappings.Clear();
        using var smaps = File.OpenHandle(paths.ProcessFile(pid, "smaps"), FileMode.Open, FileAccess.Read);
        long offset = 0;
        var filled = 0;
        ulong start = 0, end = 0;
        while (true)
        {
            var read = RandomAccess.Read(smaps, buffer.AsSpan(filled), offset);
            offset += read;
            filled += read;
            var text = buffer.AsSpan(0, filled);
            int newline;
            while ((newline = text.IndexOf((byte)'\n')) >= 0)
            {
                ParseLine(text[..newline], mappings, ref start, ref end);
                text = text[(newline + 1)..];
            }
            if (read == 0)
            {
                ParseLine(text, mappings, ref start, ref end);
                return;
            }
            if (text.Length == buffer.Length)
            {
                // One line longer than the buffer: no smaps line is; skip it rather than fail the process.
                text = [];
            }
            text.CopyTo(buffer);
            filled = text.Length;
        }
    }

    private static void ParseLine(ReadOnlySpan<byte> line, List<(ulong, ulong)> mappings, ref ulong start, ref ulong end)
    {
        var dash = line.IndexOf((byte)'-');
        var space = line.IndexOf((byte)' ');
        if (dash > 0 && space > dash && !line[..space].Contains((byte)':'))
        {
            // "55a8819f0000-55a881e3c000 r-xp 00000000 08:01 1234  /path": a mapping's header.
            if (Utf8Parser.TryParse(line[..dash], out ulong from, out _, 'x') && Utf8Parser.TryParse(line[(dash + 1)..space], out ulong to, out _, 'x'))
            {
                start = from / 4096;
                end = to / 4096;
            }
        }
        else if (line.StartsWith("Rss:"u8) && end > start)
        {
            var kb = line[4..].TrimStart((byte)' ');
            if (!kb.StartsWith("0 "u8))
            {
                mappings.Add((start, end));
            }
        }
    }
}

namespace GuestAssist.Simulation.VirtualMachine;

/// <summary>A memory file whose every 4 KiB page is distinct: word w of page i holds (i + 1) * 0x9E3779B97F4A7C15 + w.</summary>
public static class PatternMemoryFile
{
    public static void Write(string path, ulong bytes)
    {
        using var file = File.OpenHandle(path, FileMode.Create, FileAccess.Write);
        var chunk = new byte[1 << 20];
        var words = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>(chunk.AsSpan());
        for (ulong offset = 0; offset < bytes; offset += (ulong)chunk.Length)
        {
            for (var w = 0; w < words.Length; w++)
            {
                var page = (offset + ((ulong)w * 8)) / 4096;
                words[w] = ((page + 1) * 0x9E3779B97F4A7C15UL) + (ulong)w;
            }
            RandomAccess.Write(file, chunk, (long)offset);
        }
    }
}

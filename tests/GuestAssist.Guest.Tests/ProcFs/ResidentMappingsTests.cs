using System.Globalization;
using System.Text;
using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Tests.ProcFs;

/// <summary>smaps parsed as bytes through a reused buffer: lines that straddle buffer refills, long paths, and a last line without a newline.</summary>
public sealed class ResidentMappingsTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ga-smaps");

    public void Dispose() => _root.Delete(recursive: true);

    private ProcFsPaths Paths => new(_root.FullName, _root.FullName);

    private void WriteSmaps(int pid, string text)
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, pid.ToString(CultureInfo.InvariantCulture)));
        File.WriteAllText(Paths.ProcessFile(pid, "smaps"), text);
    }

    [Fact]
    public void Mappings_far_past_one_buffer_are_all_read_and_only_resident_ones_kept()
    {
        var smaps = new StringBuilder();
        var expected = new List<(ulong, ulong)>();
        for (var i = 0; i < 3000; i++)
        {
            var start = 0x7f0000000000UL + ((ulong)i * 0x10000);
            // Paths of varying length move the line ends across every position of a buffer refill.
            smaps.Append(CultureInfo.InvariantCulture, $"{start:x}-{start + 0x4000:x} rw-p 00000000 08:01 {i} /usr/lib/{new string('x', i % 300)}.so\n");
            smaps.Append("Size:                 16 kB\nKernelPageSize:        4 kB\n");
            smaps.Append(i % 3 == 0 ? "Rss:                   0 kB\n" : "Rss:                  12 kB\n");
            smaps.Append("Pss:                   4 kB\nVmFlags: rd wr mr mw me ac sd\n");
            if (i % 3 != 0)
            {
                expected.Add((start / 4096, (start + 0x4000) / 4096));
            }
        }
        smaps.Append("55a8819f0000-55a8819f1000 r-xp 00000000 08:01 7 /bin/last\nRss:                   4 kB");
        expected.Add((0x55a8819f0000UL / 4096, 0x55a8819f1000UL / 4096));
        WriteSmaps(100, smaps.ToString());
        Assert.True(smaps.Length > 4 * ResidentMappings.BufferBytes);

        var mappings = ResidentMappings.Read(Paths, 100);

        Assert.Equal(expected, mappings);
    }

    [Fact]
    public void The_list_and_buffer_form_replaces_what_the_list_held()
    {
        WriteSmaps(7, "1000-3000 r--p 00000000 00:00 0\nRss:                   8 kB\n");
        var mappings = new List<(ulong Start, ulong End)> { (1, 2), (3, 4) };

        ResidentMappings.Read(Paths, 7, mappings, new byte[ResidentMappings.BufferBytes]);

        Assert.Equal([(1UL, 3UL)], mappings);
    }
}

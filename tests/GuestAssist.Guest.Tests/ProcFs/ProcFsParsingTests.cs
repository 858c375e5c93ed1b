using GuestAssist.Guest.ProcFs;

namespace GuestAssist.Guest.Tests.ProcFs;

public sealed class ProcFsParsingTests
{
    [Fact]
    public void Iomem_gives_whole_pages_of_top_level_system_ram_only()
    {
        const string text = """
            00000000-00000fff : Reserved
            00001000-0009fbff : System RAM
            000a0000-000fffff : PCI Bus 0000:00
            00100000-bfffffff : System RAM
              01000000-01ffffff : Kernel code
              02000000-0200ffff : System RAM
            100000000-63fffffff : System RAM
            """;

        var ranges = IoMemParser.ParseSystemRam(text.Replace("            ", "", StringComparison.Ordinal));

        Assert.Equal([new PfnRange(0x1, 0x9f), new PfnRange(0x100, 0xc0000), new PfnRange(0x100000, 0x640000)], ranges);
    }

    [Fact]
    public void Iomem_read_without_privilege_lists_nothing()
    {
        Assert.Empty(IoMemParser.ParseSystemRam("00000000-00000000 : System RAM\n00000000-00000000 : System RAM\n"));
    }

    [Fact]
    public void Iomem_garbage_is_a_format_error()
    {
        Assert.Throws<FormatException>(() => IoMemParser.ParseSystemRam("zz-10 : System RAM\n"));
    }

    [Fact]
    public void Buddyinfo_sums_count_times_two_to_the_order()
    {
        const string text = "Node 0, zone      DMA      1      0      2\nNode 0, zone   Normal      3      1      0      1\n";
        Assert.Equal(1UL + 2 * 4 + 3 + 2 + 8, KernelCountersReader.SumBuddyInfo(text));
    }

    [Fact]
    public void Meminfo_and_vmstat_lines_parse_to_values()
    {
        var values = KernelCountersReader.ParseKeyValues("MemTotal:       24683620 kB\nnr_free_pages 1007184\nbogus\n");
        Assert.Equal(24683620UL, values["MemTotal"]);
        Assert.Equal(1007184UL, values["nr_free_pages"]);
        Assert.Equal(2, values.Count);
    }
}

using GuestAssist.Guest.Attribution;
using GuestAssist.Guest.Scanning;
using GuestAssist.Guest.Tests.Support;
using GuestAssist.Protocol.V1;
using static GuestAssist.Guest.Classification.KPageFlag;

namespace GuestAssist.Guest.Tests.Attribution;

public sealed class ProcessAttributorFixtureTests : IDisposable
{
    private const ulong Present = 1UL << 63;
    private readonly FixtureProcFs _fixture = new(4096);

    public ProcessAttributorFixtureTests()
    {
        _fixture.Fill(0, 4096, Slab);
        _fixture.Fill(1000, 8, Lru | Anon | SwapBacked | Mmap, 1);
        _fixture.Fill(1008, 8, Lru | Active | Referenced | Mmap, 2);
        _fixture.Write();
    }

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Present_pages_are_counted_per_class_and_owned_by_the_first_process_walked()
    {
        AddProcess(100, "db", "/system.slice/db.service", 0x400, [Present | 1000, Present | 1001, 0, Present | 1008]);
        AddProcess(200, "web", "/system.slice/web.service", 0x400, [Present | 1008, Present | 1009]);
        var scan = Scan();

        var result = new ProcessAttributor(_fixture.Paths).Attribute(scan, [200, 100]);

        Assert.Equal(2, result.Walked);
        Assert.Equal(0, result.Vanished);
        var db = result.Processes.Single(p => p.Pid == 100);
        Assert.Equal(3UL, db.Frames);
        Assert.Equal(2UL, db.Counts[PageClass.Inactive]);
        Assert.Equal(1UL, db.Counts[PageClass.Hot]);
        Assert.Equal("/system.slice/db.service", db.Owner.Cgroup);
        Assert.Equal("db", db.Owner.Command);
        var web = result.Processes.Single(p => p.Pid == 200);
        Assert.Equal(2UL, web.Counts[PageClass.Hot]);
        Assert.Equal(4, result.Owners.Count);
        Assert.True(result.Owners.TryGetOwner(1008, out var shared));
        Assert.Equal(100, shared.Pid);
        Assert.True(result.Owners.TryGetOwner(1009, out var web1009));
        Assert.Equal(200, web1009.Pid);
        Assert.False(result.Owners.TryGetOwner(1002, out _));
        Assert.Equal(3UL, result.Owners.FramesOwnedBy(100));
    }

    [Fact]
    public void Owners_without_a_scan_are_the_owners_a_scan_gives()
    {
        AddProcess(100, "db", "/system.slice/db.service", 0x400, [Present | 1000, Present | 1001, 0, Present | 1008]);
        AddProcess(200, "web", "/system.slice/web.service", 0x400, [Present | 1008, Present | 1009]);
        var attributor = new ProcessAttributor(_fixture.Paths);
        var scanned = attributor.Attribute(Scan(), [200, 100]).Owners;
        var expected = Enumerable.Range(0, scanned.Count).Select(i => (scanned.PfnAt(i), scanned.Processes[scanned.OwnerAt(i)].Pid)).ToList();

        var owners = attributor.Owners([200, 100]);

        Assert.Equal(expected, Enumerable.Range(0, owners.Count).Select(i => (owners.PfnAt(i), owners.Processes[owners.OwnerAt(i)].Pid)));
        Assert.Equal(3UL, owners.FramesOwnedBy(100));
    }

    [Fact]
    public void The_map_carries_owners_for_the_planner()
    {
        AddProcess(100, "db", "/db", 0x400, [Present | 1000, Present | 1001]);
        var scan = Scan();
        var result = new ProcessAttributor(_fixture.Paths).Attribute(scan, [100]);

        var map = scan.ToMap(withHeat: true, result.Owners);

        Assert.Equal(scan.TotalFrames, map.TotalFrames);
        var owner = map.RunOwner![map.RunIndexOf(1001)];
        Assert.Equal(1U, owner);
        Assert.Equal(100, map.Owners[(int)owner - 1].Pid);
        Assert.Equal("/db", map.Owners[0].Cgroup);
        Assert.Equal(0U, map.RunOwner[map.RunIndexOf(1002)]);
        Assert.Equal(scan.Counts[PageClass.Inactive], map.CountOf(PageClass.Inactive));
    }

    [Fact]
    public void Processes_that_vanish_or_deny_are_counted_and_change_nothing_else()
    {
        AddProcess(100, "db", "/db", 0x400, [Present | 1000]);
        AddProcess(300, "gone", "/gone", 0x400, [Present | 1001]);
        File.Delete(_fixture.Paths.ProcessFile(300, "pagemap"));
        var scan = Scan();
        var attributor = new ProcessAttributor(_fixture.Paths);

        var alone = attributor.Attribute(scan, [100]);
        var withGone = attributor.Attribute(scan, [100, 300, 4242]);

        Assert.Equal(2, withGone.Vanished);
        Assert.Equal(1, withGone.Walked);
        Assert.Equal(alone.Owners.Count, withGone.Owners.Count);
        Assert.Single(withGone.Processes);
        Assert.False(withGone.Owners.TryGetOwner(1001, out _));
    }

    [Fact]
    public void Hidden_frame_numbers_are_reported()
    {
        AddProcess(100, "db", "/db", 0x400, [Present, Present]);
        var result = new ProcessAttributor(_fixture.Paths).Attribute(Scan(), [100]);

        Assert.True(result.PfnsHidden);
        Assert.Equal(2UL, result.Processes[0].HiddenFrames);
        Assert.Equal(0, result.Owners.Count);
    }

    [Fact]
    public void Mappings_without_resident_pages_are_not_read()
    {
        AddProcess(100, "db", "/db", 0x400, [Present | 1000]);
        // A second mapping with Rss 0 far past the end of the pagemap file: reading it would end early (vanished).
        File.AppendAllText(_fixture.Paths.ProcessFile(100, "smaps"), "7f0000000000-7f0000100000 ---p 00000000 00:00 0\nRss:                   0 kB\n");

        var result = new ProcessAttributor(_fixture.Paths).Attribute(Scan(), [100]);

        Assert.Equal(0, result.Vanished);
        Assert.Equal(1UL, result.Processes[0].Frames);
    }

    [Fact]
    public void Pagemap_bits_match_the_kernel_documentation()
    {
        Assert.Equal(0x007F_FFFF_FFFF_FFFFUL, PagemapEntry.PfnMask);
        Assert.Equal(1UL << 55, PagemapEntry.SoftDirty);
        Assert.Equal(1UL << 56, PagemapEntry.Exclusive);
        Assert.Equal(1UL << 57, PagemapEntry.UffdWriteProtected);
        Assert.Equal(1UL << 61, PagemapEntry.FileOrShared);
        Assert.Equal(1UL << 62, PagemapEntry.Swapped);
        Assert.Equal(Present, PagemapEntry.Present);
    }

    [Fact]
    public void A_service_is_found_by_command_or_cgroup_segment()
    {
        AddProcess(100, "db", "/system.slice/db.service", 0x400, [Present | 1000]);
        AddProcess(101, "db-helper", "/system.slice/db.service", 0x400, [Present | 1001]);
        AddProcess(200, "web", "/system.slice/web.service", 0x400, [Present | 1002]);
        var attributor = new ProcessAttributor(_fixture.Paths);

        Assert.Equal([100, 101], attributor.FindService("db.service").Order());
        Assert.Equal([200], attributor.FindService("web"));
        Assert.Empty(attributor.FindService("system"));
    }

    private FrameScanResult Scan()
    {
        var scanner = new FrameScanner(_fixture.Paths);
        return scanner.Scan();
    }

    private void AddProcess(int pid, string command, string cgroup, ulong firstPage, ulong[] entries)
    {
        var directory = _fixture.Paths.ProcessDirectory(pid);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "comm"), command + "\n");
        File.WriteAllText(Path.Combine(directory, "cgroup"), $"12:cpu,cpuacct:/other\n0::{cgroup}\n");
        var start = firstPage * 4096;
        var end = (firstPage + (ulong)entries.Length) * 4096;
        File.WriteAllText(Path.Combine(directory, "smaps"),
            $"{start:x}-{end:x} rw-p 00000000 00:00 0 \nSize:               {entries.Length * 4} kB\nRss:                {entries.Length * 4} kB\nVmFlags: rd wr mr mw me ac\n");
        var pagemap = new byte[(int)(firstPage + (ulong)entries.Length) * 8];
        for (var i = 0; i < entries.Length; i++)
        {
            BitConverter.TryWriteBytes(pagemap.AsSpan((int)(firstPage + (ulong)i) * 8), entries[i]);
        }
        File.WriteAllBytes(Path.Combine(directory, "pagemap"), pagemap);
    }
}

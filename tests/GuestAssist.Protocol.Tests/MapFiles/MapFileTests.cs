using Google.Protobuf;
using GuestAssist.Protocol.MapFiles;
using GuestAssist.Protocol.PageMaps;
using GuestAssist.Protocol.Tests.Support;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.MapFiles;

public sealed class MapFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ga-mapfile-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name) => Path.Combine(_directory, name);

    [Fact]
    public void A_map_reads_back_with_its_request_time_heat_method_and_owners()
    {
        var map = RealisticMaps.Create(4, 0.3, seed: 7);
        var path = PathOf("map.bin");

        var written = MapFile.Write(path, map, new MapFileOptions { RequestedAtMonotonicNs = 123_456_789, HeatMethod = HeatMethod.DamonPaddr, MaxChunkBytes = 4096 });
        var contents = MapFile.Read(path);

        Assert.True(written > 1);
        Assert.Equal(written, contents.ChunkCount);
        Assert.True(contents.HasHeader);
        Assert.Equal(123_456_789UL, contents.RequestedAtMonotonicNs);
        Assert.Equal(HeatMethod.DamonPaddr, contents.HeatMethod);
        Assert.Equal(map.Runs.ToArray(), contents.Map.Runs.ToArray());
        Assert.Equal(map.RunHeat, contents.Map.RunHeat);
        Assert.Equal(map.RunOwner, contents.Map.RunOwner);
        Assert.Equal(map.Owners.Count, contents.Map.Owners.Count);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void Header_is_pinned()
    {
        var path = PathOf("pinned.bin");
        MapFile.Write(path, SmallMap(), new MapFileOptions { RequestedAtMonotonicNs = 0x0102030405060708 });
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("GAMAPF01"u8.ToArray(), bytes[..8]);
        Assert.Equal(new byte[] { 8, 7, 6, 5, 4, 3, 2, 1 }, bytes[8..16]);
    }

    [Fact]
    public void A_map_written_in_the_guest_has_no_request_time()
    {
        var path = PathOf("guest.bin");
        MapFile.Write(path, SmallMap());
        Assert.Null(MapFile.Read(path).RequestedAtMonotonicNs);
    }

    [Fact]
    public void Files_without_the_header_still_read()
    {
        var path = PathOf("legacy.bin");
        using (var stream = File.Create(path))
        {
            foreach (var chunk in PageClassMapCodec.ToChunks(SmallMap()))
            {
                chunk.WriteDelimitedTo(stream);
            }
        }
        var contents = MapFile.Read(path);
        Assert.False(contents.HasHeader);
        Assert.Null(contents.RequestedAtMonotonicNs);
        Assert.Equal(SmallMap().Runs.ToArray(), contents.Map.Runs.ToArray());
    }

    [Fact]
    public void A_truncated_file_names_itself_and_what_is_missing()
    {
        var path = PathOf("cut.bin");
        MapFile.Write(path, RealisticMaps.Create(4, 0.3, seed: 3), new MapFileOptions { MaxChunkBytes = 1024 });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<MapFileException>(() => MapFile.Read(path));

        Assert.StartsWith("map file cut.bin: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0], "no chunks")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF }, "chunk 0")]
    public void Garbage_is_a_map_file_error(byte[] content, string expected)
    {
        var path = PathOf("garbage.bin");
        File.WriteAllBytes(path, content);
        var error = Assert.Throws<MapFileException>(() => MapFile.Read(path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_absent_file_is_a_map_file_error()
    {
        var error = Assert.Throws<MapFileException>(() => MapFile.Read(PathOf("absent.bin")));
        Assert.Contains("absent.bin", error.Message, StringComparison.Ordinal);
    }

    private static PageClassMap SmallMap()
    {
        var builder = new PageClassMapBuilder(withHeat: false, withOwners: false);
        builder.Append(10, PageClass.Kernel);
        builder.Append(100, PageClass.Free);
        return builder.Build(new MapEpoch { Sequence = 1, GuestMonotonicNs = 99 }, 4096);
    }
}

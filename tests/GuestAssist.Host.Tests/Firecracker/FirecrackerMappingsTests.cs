using System.Text;
using GuestAssist.Host.Firecracker;

namespace GuestAssist.Host.Tests.Firecracker;

public class FirecrackerMappingsTests
{
    private const ulong MiB = 1 << 20;

    [Fact]
    public void Firecracker_x86_regions_become_a_layout_with_the_mmio_gap()
    {
        var mappings = Parse("""
            [{"base_host_virt_addr":139637976727552,"size":3221225472,"offset":0,"page_size":4096,"page_size_kib":4096},
             {"base_host_virt_addr":139706696204288,"size":1073741824,"offset":3221225472,"page_size":4096,"page_size_kib":4096}]
            """);
        var layout = FirecrackerMappings.ToLayout(mappings, 4UL << 30);
        Assert.Equal(2, layout.Regions.Count);
        Assert.Equal(0UL, layout.Regions[0].GuestPhysicalAddress);
        Assert.Equal(4UL << 30, layout.Regions[1].GuestPhysicalAddress);
        Assert.Equal(139706696204288UL, layout.Regions[1].HostAddress);
        Assert.Equal(3UL << 30, layout.FileOffsetOf((4UL << 30) / 4096));
        Assert.True(layout.TryGetGfnOfHostAddress(139706696204288UL + 8192, out var gfn));
        Assert.Equal(((4UL << 30) / 4096) + 2, gfn);
        Assert.False(layout.IsBacked((3UL << 30) / 4096));
    }

    [Fact]
    public void Older_handshakes_with_only_page_size_kib_and_huge_pages_are_accepted()
    {
        var layout = FirecrackerMappings.ToLayout(Parse("""[{"base_host_virt_addr":2097152,"size":4194304,"offset":0,"page_size_kib":2097152,"extra":1}]"""), null);
        Assert.Equal(2u * (uint)MiB, layout.PageSize);
        Assert.Equal(2UL, layout.TotalFrames);
    }

    [Theory]
    [InlineData("", "not valid JSON (line 1, byte 1)")]
    [InlineData("[{\"size\":4096,", "not valid JSON (line 1, byte 14)")]
    [InlineData("{\"a\":1}", "not a JSON array of GuestRegionUffdMapping (the message is a JSON object)")]
    [InlineData("[null]", "region 0 is a JSON null, not a GuestRegionUffdMapping object")]
    [InlineData("[{\"size\":4096,\"offset\":0,\"page_size\":4096}]", "region 0 has no \"base_host_virt_addr\"")]
    [InlineData("[{\"base_host_virt_addr\":\"x\",\"size\":4096,\"offset\":0,\"page_size\":4096}]", "region 0 has \"base_host_virt_addr\" = \\\"x\\\", not an unsigned 64-bit integer")]
    [InlineData("[{\"base_host_virt_addr\":4096,\"size\":-1,\"offset\":0}]", "region 0 has \"size\" = -1, not an unsigned 64-bit integer")]
    public void Malformed_json_is_one_line_naming_what_is_wrong(string json, string detail)
    {
        var error = Assert.Throws<FirecrackerHandshakeException>(() => Parse(json));
        Assert.Equal(HandshakeFailure.MalformedJson, error.Failure);
        Assert.Equal($"Firecracker UFFD handshake refused (MalformedJson): {detail}", error.Message);
    }

    [Fact]
    public void A_firecracker_1_6_handshake_without_a_page_size_uses_the_host_page_size()
    {
        var layout = FirecrackerMappings.ToLayout(Parse("""[{"base_host_virt_addr":1048576,"size":1048576,"offset":0},{"base_host_virt_addr":8388608,"size":65536,"offset":1048576,"unknown":{"a":[1]}}]"""), null);
        Assert.Equal((uint)Environment.SystemPageSize, layout.PageSize);
        Assert.Equal(2, layout.Regions.Count);
        Assert.Equal(4UL << 30, layout.Regions[1].GuestPhysicalAddress);
    }

    [Theory]
    [InlineData("[]", "no regions")]
    [InlineData("[{\"base_host_virt_addr\":4096,\"size\":0,\"offset\":0,\"page_size\":4096}]", "is empty")]
    [InlineData("[{\"base_host_virt_addr\":4097,\"size\":4096,\"offset\":0,\"page_size\":4096}]", "not aligned")]
    [InlineData("[{\"base_host_virt_addr\":4096,\"size\":4096,\"offset\":4096,\"page_size\":4096}]", "add up to 0x0")]
    [InlineData("[{\"base_host_virt_addr\":4096,\"size\":8192,\"offset\":0,\"page_size\":4096},{\"base_host_virt_addr\":8192,\"size\":4096,\"offset\":8192,\"page_size\":4096}]", "overlaps region 0")]
    [InlineData("[{\"base_host_virt_addr\":4096,\"size\":4096,\"offset\":0,\"page_size\":4096},{\"base_host_virt_addr\":2097152,\"size\":2097152,\"offset\":4096,\"page_size\":2097152}]", "region 0 has 4096")]
    [InlineData("[{\"base_host_virt_addr\":4096,\"size\":4096,\"offset\":0,\"page_size\":4096,\"page_size_kib\":4}]", "page_size_kib 4")]
    [InlineData("[{\"base_host_virt_addr\":4096,\"size\":4096,\"offset\":0,\"page_size\":1000}]", "not a power of two")]
    [InlineData("[{\"base_host_virt_addr\":4096,\"size\":1048576,\"offset\":0,\"page_size\":4096},{\"base_host_virt_addr\":134217728,\"size\":1048576,\"offset\":1048576,\"page_size\":4096}]", "but the memory file has")]
    public void Mappings_that_do_not_add_up_are_refused(string json, string message)
    {
        var error = Assert.Throws<FirecrackerHandshakeException>(() => FirecrackerMappings.ToLayout(Parse(json), MiB + 4096));
        Assert.Equal(HandshakeFailure.MappingsDoNotAddUp, error.Failure);
        Assert.Contains(message, error.Message);
    }

    private static IReadOnlyList<GuestRegionUffdMapping> Parse(string json) => FirecrackerMappings.Parse(Encoding.UTF8.GetBytes(json));
}

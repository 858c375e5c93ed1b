using System.Net;
using System.Text.Json;
using GuestAssist.FirecrackerStandIn.Api;
using GuestAssist.Host.Vmm;
using GuestAssist.Host.Vmm.Firecracker;

namespace GuestAssist.Host.Tests.Vmm;

/// <summary>The Firecracker adapter against a stand-in that answers as Firecracker's API does, errors included.</summary>
public sealed class FirecrackerVmTests : IDisposable
{
    private const ulong MemSizeMib = 8;

    private readonly string _directory = Directory.CreateTempSubdirectory("ga-fcapi-").FullName;
    private readonly string _guestMemory;
    private readonly FirecrackerApiStandIn _api;
    private readonly FirecrackerApiClient _client;
    private readonly FirecrackerVm _vm;

    public FirecrackerVmTests()
    {
        _guestMemory = Path.Combine(_directory, "guest.mem");
        var bytes = new byte[MemSizeMib << 20];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(_guestMemory, bytes);
        _api = new FirecrackerApiStandIn(Path.Combine(_directory, "api.sock"), _guestMemory, MemSizeMib);
        _client = new FirecrackerApiClient(_api.SocketPath, TimeSpan.FromSeconds(5));
        _vm = new FirecrackerVm(_client, Path.Combine(_directory, "snap.mem"), Path.Combine(_directory, "snap.vmstate"));
    }

    public void Dispose()
    {
        _client.Dispose();
        _api.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Pause_snapshot_and_resume_go_through_the_api_in_order_and_the_memory_is_the_guests()
    {
        var layout = await _vm.GetLayoutAsync(default);
        await _vm.PauseAsync(default);
        var paused = await _client.GetInstanceInfoAsync(default);
        using (var memory = await _vm.CaptureMemoryAsync(layout, default))
        {
            var page = new byte[4096];
            memory.Read(100, 1, page);
            Assert.Equal(File.ReadAllBytes(_guestMemory).AsSpan(100 * 4096, 4096).ToArray(), page);
        }
        await _vm.ResumeAsync(default);

        Assert.Equal(MemSizeMib << 20, layout.MemoryBytes);
        Assert.Equal("Paused", paused.State);
        Assert.Equal("Running", _api.State);
        Assert.Equal(
            ["GET /machine-config", "PATCH /vm", "GET /", "PUT /snapshot/create", "PATCH /vm"],
            _api.Requests.Select(r => $"{r.Method} {r.Path}"));
        var create = JsonDocument.Parse(_api.Requests.Single(r => r.Path == "/snapshot/create").Body).RootElement;
        Assert.Equal("Full", create.GetProperty("snapshot_type").GetString());
        Assert.Equal(_vm.MemoryFilePath, create.GetProperty("mem_file_path").GetString());
        Assert.Equal(_vm.SnapshotPath, create.GetProperty("snapshot_path").GetString());
        Assert.Equal("""{"state":"Paused"}""", _api.Requests.First(r => r.Path == "/vm").Body);
    }

    [Fact]
    public async Task A_snapshot_of_a_running_vm_is_refused_with_firecrackers_fault_message()
    {
        var layout = await _vm.GetLayoutAsync(default);

        var error = await Assert.ThrowsAsync<FirecrackerApiException>(() => _vm.CaptureMemoryAsync(layout, default));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("the microVM is not paused", error.FaultMessage, StringComparison.Ordinal);
        Assert.StartsWith("firecracker API PUT /snapshot/create: 400 Create snapshot error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_pause_names_the_call_and_the_reason()
    {
        _api.Refuse("/vm", "The requested operation is not supported after starting the microVM.");

        var error = await Assert.ThrowsAsync<FirecrackerApiException>(() => _vm.PauseAsync(default));

        Assert.Equal("firecracker API PATCH /vm: 400 The requested operation is not supported after starting the microVM.", error.Message);
        Assert.Equal("Running", _api.State);
    }

    [Fact]
    public async Task An_api_socket_nobody_listens_on_is_a_one_line_error()
    {
        using var client = new FirecrackerApiClient(Path.Combine(_directory, "absent.sock"), TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<FirecrackerApiException>(() => client.PauseAsync(default));

        Assert.Contains("cannot reach", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        Assert.IsAssignableFrom<VmmException>(error);
    }

    [Fact]
    public async Task An_unknown_path_gets_firecrackers_invalid_request_answer()
    {
        var error = await Assert.ThrowsAsync<FirecrackerApiException>(() => _client.LoadSnapshotAsync(_vm.DestinationLoad("/x"), default));
        Assert.Contains("Invalid request method and/or path: PUT /snapshot/load.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_destinations_snapshot_load_names_the_uffd_handler_as_memory_backend()
    {
        var json = JsonSerializer.Serialize(_vm.DestinationLoad("/srv/vm1/uffd.sock"), FirecrackerJsonContext.Default.FirecrackerSnapshotLoad);
        Assert.Equal($$"""{"snapshot_path":"{{_vm.SnapshotPath}}","mem_backend":{"backend_type":"Uffd","backend_path":"/srv/vm1/uffd.sock"},"resume_vm":true}""", json);
    }
}

using System.Text.Json.Serialization;

namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>Firecracker's API spells its fields snake_case; unknown fields are ignored (newer versions add some).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FirecrackerVmState))]
[JsonSerializable(typeof(FirecrackerSnapshotCreate))]
[JsonSerializable(typeof(FirecrackerSnapshotLoad))]
[JsonSerializable(typeof(FirecrackerInstanceInfo))]
[JsonSerializable(typeof(FirecrackerMachineConfig))]
[JsonSerializable(typeof(FirecrackerFault))]
internal sealed partial class FirecrackerJsonContext : JsonSerializerContext
{
}

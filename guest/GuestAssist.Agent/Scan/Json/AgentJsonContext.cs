using System.Text.Json.Serialization;

namespace GuestAssist.Agent.Scan.Json;

/// <summary>
/// Every JSON document `guestassist-agent` prints, source-generated (no reflection: NativeAOT-safe) with the
/// naming both binaries share: snake_case properties, absent sections omitted.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(ScanJson))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace GuestAssist.Cli.Commands.Json;

/// <summary>
/// Every JSON document `guestassist` prints, source-generated (no reflection, trim-safe) with the naming both
/// binaries share: snake_case properties, absent values omitted.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(AgentStatusJson))]
[JsonSerializable(typeof(MapSummaryJson))]
[JsonSerializable(typeof(ThrottleEventJson))]
[JsonSerializable(typeof(UffdHandlerSummaryJson))]
[JsonSerializable(typeof(PageServerStatsJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

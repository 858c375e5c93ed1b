using System.Text.Json.Serialization;

namespace GuestAssist.Cli.Evict;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EvictJsonLine))]
internal sealed partial class EvictJsonContext : JsonSerializerContext
{
}

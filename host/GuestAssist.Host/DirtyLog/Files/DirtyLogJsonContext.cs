using System.Text.Json.Serialization;

namespace GuestAssist.Host.DirtyLog.Files;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DirtyLogInterval))]
internal sealed partial class DirtyLogJsonContext : JsonSerializerContext
{
}

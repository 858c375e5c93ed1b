using System.Text.Json.Serialization;

namespace GuestAssist.Host.Firecracker;

/// <summary>Source-generated (trim-safe) JSON for Firecracker's handshake.</summary>
[JsonSourceGenerationOptions(WriteIndented = false)]
[JsonSerializable(typeof(GuestRegionUffdMapping[]))]
internal sealed partial class FirecrackerJsonContext : JsonSerializerContext;

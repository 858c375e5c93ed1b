namespace GuestAssist.Cli.Commands.Json;

/// <summary>Frames of one class, and the MiB they make.</summary>
internal sealed record ClassFramesJson(ulong Frames, double Mib);

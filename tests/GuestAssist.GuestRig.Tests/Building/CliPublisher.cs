using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Building;

/// <summary>
/// Publishes host/GuestAssist.Cli as it ships (build.cake's Publish: self-contained single file, trimmed,
/// ReadyToRun), cached under artifacts/guest-rig/cli keyed by the host/** and shared/** sources. The benchmark runs
/// this `guestassist uffd-handler`: the build output's JIT compiled the fault path while the guest waited on it.
/// </summary>
public static class CliPublisher
{
    public const string BinaryName = "guestassist";

    public static Task<string> PublishAsync() => CachedPublish.PublishAsync(
        Path.Combine("host", "GuestAssist.Cli"),
        Path.Combine(RepositoryPaths.Artifacts, "cli"),
        BinaryName,
        ["host", "shared"],
        ["--self-contained", "-p:PublishSingleFile=true", "-p:PublishTrimmed=true", "-p:DebugType=none"]);
}

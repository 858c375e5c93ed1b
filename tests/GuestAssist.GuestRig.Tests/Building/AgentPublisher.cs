using GuestAssist.GuestRig.Tests.Support;

namespace GuestAssist.GuestRig.Tests.Building;

/// <summary>
/// Publishes guest/GuestAssist.Agent as a NativeAOT binary for the guests, cached under artifacts/guest-rig/agent
/// keyed by the guest/** and shared/** sources.
/// </summary>
public static class AgentPublisher
{
    public const string BinaryName = "guestassist-agent";

    public static Task<string> PublishAsync() => CachedPublish.PublishAsync(
        Path.Combine("guest", "GuestAssist.Agent"),
        Path.Combine(RepositoryPaths.Artifacts, "agent"),
        BinaryName,
        ["guest", "shared"],
        ["-p:PublishAot=true"]);
}

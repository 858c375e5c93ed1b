namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>A theory that needs a live frame scan: Linux, root, and a readable /proc/kpageflags.</summary>
public sealed class KPageFlagsTheoryAttribute : TheoryAttribute
{
    public KPageFlagsTheoryAttribute() => Skip = KPageFlagsFactAttribute.SkipReason();
}

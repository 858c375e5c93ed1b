namespace GuestAssist.Guest.Tests.Support;

/// <summary>A theory that needs root and /proc/kpageflags; skipped with the reason otherwise.</summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute() => Skip = RootFactAttribute.SkipReason();
}

namespace GuestAssist.GuestRig.Tests.Support;

/// <summary>A theory that boots real guest kernels; skipped with the reason when the rig cannot run here.</summary>
public sealed class GuestRigTheoryAttribute : TheoryAttribute
{
    public GuestRigTheoryAttribute()
    {
        Skip = RigAvailability.SkipReason;
    }
}

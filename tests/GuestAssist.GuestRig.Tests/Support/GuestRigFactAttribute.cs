namespace GuestAssist.GuestRig.Tests.Support;

/// <summary>A fact that boots real guest kernels; skipped with the reason when the rig cannot run here.</summary>
public sealed class GuestRigFactAttribute : FactAttribute
{
    public GuestRigFactAttribute()
    {
        Skip = RigAvailability.SkipReason;
    }
}

namespace GuestAssist.Agent.Tests.Packaging;

/// <summary>A fact that needs dpkg-deb on PATH (Debian and derivatives: the dpkg package).</summary>
public sealed class DpkgDebFactAttribute : FactAttribute
{
    public DpkgDebFactAttribute()
    {
        if (DebianPackage.FindOnPath("dpkg-deb") is null)
        {
            Skip = "dpkg-deb is not on PATH (apt-get install dpkg): the .deb cannot be built or unpacked here";
        }
    }
}

using GuestAssist.Protocol.V1;

namespace GuestAssist.GuestRig.Tests.Analysis;

/// <summary>What a map promises the host: every class but FREE and UNBACKED is sent (so a future UNPROVEN is too).</summary>
public static class SentClasses
{
    public static bool IsSent(PageClass pageClass) => pageClass is not (PageClass.Free or PageClass.Unbacked);
}

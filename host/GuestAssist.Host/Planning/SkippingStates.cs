namespace GuestAssist.Host.Planning;

/// <summary>The exact texts a plan reports about skipping free/unbacked frames (DESIGN.md invariant 1).</summary>
internal static class SkippingStates
{
    public const string Enabled = "skipping enabled: dirty log covers map request to switchover";
    public const string NoDirtyLog = "skipping disabled: no dirty log";
    public const string StartedAfterMap = "skipping disabled: dirty log started after the map";
    public const string NotSealed = "skipping disabled: dirty log not sealed";
    public const string SealedBeforeMap = "skipping disabled: dirty log sealed before the map";
    public const string MapTimeUnknown = "skipping disabled: the map's request time is not known (a map file written in the guest)";
    public const string AddressOrder = "skipping disabled: address-order policy";
}

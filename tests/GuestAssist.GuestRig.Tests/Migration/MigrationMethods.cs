namespace GuestAssist.GuestRig.Tests.Migration;

/// <summary>Names of <see cref="MigrationMethod"/> in tables, CSV and GUESTASSIST_MIGRATION_METHODS.</summary>
public static class MigrationMethods
{
    public static readonly MigrationMethod[] All = Enum.GetValues<MigrationMethod>();

    public static string Name(this MigrationMethod method) => method switch
    {
        MigrationMethod.GuestAssistEnlightened => "ga-enlightened",
        MigrationMethod.GuestAssistPostcopy => "ga-postcopy",
        MigrationMethod.GuestAssistAddressOrder => "ga-address-order",
        MigrationMethod.QemuPostcopy => "qemu-postcopy",
        MigrationMethod.QemuPostcopyPreempt => "qemu-postcopy-preempt",
        MigrationMethod.QemuPrecopy => "qemu-precopy",
        MigrationMethod.QemuPrecopyAutoConverge => "qemu-precopy-autoconverge",
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    public static bool IsGuestAssist(this MigrationMethod method) =>
        method is MigrationMethod.GuestAssistEnlightened or MigrationMethod.GuestAssistPostcopy or MigrationMethod.GuestAssistAddressOrder;

    public static bool IsPostcopy(this MigrationMethod method) =>
        method is MigrationMethod.QemuPostcopy or MigrationMethod.QemuPostcopyPreempt || method.IsGuestAssist();

    public static MigrationMethod Parse(string name) =>
        All.FirstOrDefault(m => m.Name() == name.Trim(), (MigrationMethod)(-1)) is var method && Enum.IsDefined(method)
            ? method
            : throw new FormatException($"unknown migration method \"{name}\"; known: {string.Join(", ", All.Select(m => m.Name()))}");
}

namespace GuestAssist.GuestRig.Tests.Building;

/// <summary>Builds tests/guest-rig/workload/rigload.c with `gcc -O2 -static` into artifacts/guest-rig.</summary>
public static class RigloadBuilder
{
    public static Task<string> BuildAsync() => NativeBuilder.GuestProgramAsync(Path.Combine("workload", "rigload.c"), "rigload");
}

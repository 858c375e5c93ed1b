namespace GuestAssist.GuestRig.Tests.Scenarios;

/// <summary>What every guest image is built from: the kernel cache, the NativeAOT agent and its .deb, rigload, and the scans to run.</summary>
public sealed record RigInputs(string CacheDirectory, string AgentBinary, string AgentPackage, string RigloadBinary, IReadOnlyList<ScanMethod> HeatScans)
{
    public string KernelDirectory(string kernel) => Path.Combine(CacheDirectory, "kernel-" + kernel);
}

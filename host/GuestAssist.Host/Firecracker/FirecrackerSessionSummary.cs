using GuestAssist.Host.Destination;
using GuestAssist.Host.Measuring;

namespace GuestAssist.Host.Firecracker;

/// <summary>How one served VMM went: who, what was installed, and how long faults waited.</summary>
public sealed record FirecrackerSessionSummary(int VmmProcessId, int Regions, ulong MemoryBytes, FaultServerStatistics Statistics, BlocktimeSummary Blocktime, bool VmmGone);

namespace GuestAssist.Cli.Commands.Json;

/// <summary>`uffd-handler --json`: the VMM served and the fault statistics, once it exited.</summary>
internal sealed record UffdHandlerSummaryJson(
    int VmmPid,
    int Regions,
    ulong MemoryBytes,
    long Faults,
    long PagesInstalled,
    long PagesZeroed,
    long RemoveEvents,
    long AlreadyPresent,
    string Blocktime);

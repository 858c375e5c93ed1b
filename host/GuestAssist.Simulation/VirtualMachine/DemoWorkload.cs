namespace GuestAssist.Simulation.VirtualMachine;

/// <summary>How the demo guest touches its working set right after switchover.</summary>
public enum DemoWorkload
{
    /// <summary>The hot frames and every other kernel frame, one by one in shuffled order: no spatial locality at all.</summary>
    Scattered,

    /// <summary>
    /// Processes walking their heaps: runs of 16–256 neighbouring frames in address order, the runs in shuffled order,
    /// mostly starting in hot memory but running on into frames the map did not call hot.
    /// </summary>
    SequentialRuns,
}

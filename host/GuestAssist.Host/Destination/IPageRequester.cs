namespace GuestAssist.Host.Destination;

/// <summary>Where a destination fault server asks for a page it does not have yet.</summary>
public interface IPageRequester
{
    /// <summary>
    /// Asks for <paramref name="gfn"/> urgently (a vCPU waits on it). Must not block: the page arrives
    /// later through the fault server's install path, possibly together with its neighbours.
    /// </summary>
    void RequestUrgent(ulong gfn);
}

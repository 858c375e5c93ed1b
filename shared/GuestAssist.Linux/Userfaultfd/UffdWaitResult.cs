namespace GuestAssist.Linux.Userfaultfd;

/// <summary>Why a wait on a userfaultfd returned.</summary>
public enum UffdWaitResult
{
    /// <summary>Events are queued: call ReadEvents.</summary>
    EventsReady,

    /// <summary>The timeout passed with nothing queued.</summary>
    TimedOut,

    /// <summary>The wake-up notifier was signalled (shutdown or new work).</summary>
    Woken,

    /// <summary>The uffd reports an error or hang-up: the process it serves exited or released it.</summary>
    Closed,
}

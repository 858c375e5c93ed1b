namespace GuestAssist.Host.Planning;

/// <summary>How much frames of priority owners are preferred over others.</summary>
public enum OwnerPriorityMode
{
    /// <summary>Within a class: heat first, then owner priority, then address.</summary>
    TieBreak,

    /// <summary>Within a class: owner priority first, then heat, then address.</summary>
    FirstInClass,

    /// <summary>
    /// Priority owners' hot, active, inactive and cache frames all go right after kernel frames, before any
    /// other process's frames (keeping class, heat, owner order among themselves).
    /// </summary>
    ClassBoost,
}

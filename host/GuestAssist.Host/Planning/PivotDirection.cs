namespace GuestAssist.Host.Planning;

/// <summary>Which way a pivot grows.</summary>
internal enum PivotDirection
{
    /// <summary>An isolated fault: both ways, a step each per round.</summary>
    Both,

    /// <summary>The fault lies just above an earlier one (an ascending walk): upward only.</summary>
    Up,

    /// <summary>The fault lies just below an earlier one (a descending walk): downward only.</summary>
    Down,
}

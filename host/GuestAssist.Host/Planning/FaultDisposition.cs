namespace GuestAssist.Host.Planning;

/// <summary>What the page server must do about a demand fault.</summary>
public enum FaultDisposition
{
    /// <summary>The frame was still pending: it is now taken, send it on the urgent channel.</summary>
    SendNow,

    /// <summary>Already sent, zero-filled or received: it is on its way or there; do not send it again.</summary>
    AlreadyHandled,

    /// <summary>The frame is in a hole of the layout (or beyond RAM): nothing to send.</summary>
    NotBacked,
}

namespace GuestAssist.Linux.Transports;

/// <summary>What went wrong, for callers that react differently (retry, give up, report).</summary>
public enum TransportFailure
{
    Other,
    NotFound,
    Refused,
    NoGuestListener,
    Timeout,
    ProtocolViolation,
    AddressInUse,
    PermissionDenied,
    NotSupported,
}

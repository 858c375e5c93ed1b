namespace GuestAssist.Linux.Transports;

public enum TransportOperation
{
    Connect,
    Handshake,
    Listen,
    Accept,
    Open,
}

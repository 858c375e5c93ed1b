namespace GuestAssist.Linux.Transports;

/// <summary><c>unix:/path</c> — a Unix domain stream socket.</summary>
public sealed record UnixAddress(string Path) : TransportAddress
{
    public override string ToString() => $"unix:{Path}";
}

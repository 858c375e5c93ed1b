namespace GuestAssist.Linux.Transports;

/// <summary><c>unix:/path</c> — a Unix domain stream socket.</summary>
internal sealed record UnixAddress(string Path) : TransportAddress
{
    public override string ToString() => $"unix:{Path}";
}

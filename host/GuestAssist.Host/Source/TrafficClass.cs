namespace GuestAssist.Host.Source;

/// <summary>What a transfer's bytes are for; urgent traffic is preferred by the link limit.</summary>
public enum TrafficClass
{
    Urgent = 0,
    Background = 1,
}

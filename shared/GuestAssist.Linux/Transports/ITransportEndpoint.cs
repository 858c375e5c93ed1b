namespace GuestAssist.Linux.Transports;

/// <summary>One way to reach or offer a byte stream; every transport looks the same behind it.</summary>
internal interface ITransportEndpoint
{
    TransportAddress Address { get; }

    bool CanConnect { get; }

    bool CanListen { get; }

    /// <summary>Connects (or opens, for a serial port); failures are <see cref="TransportException"/>s.</summary>
    ValueTask<Stream> ConnectAsync(CancellationToken cancellationToken);

    /// <summary>Binds and listens now; failures are <see cref="TransportException"/>s.</summary>
    ITransportListener Listen();
}

namespace GuestAssist.Linux.Transports;

/// <summary>A bound listener: accept one connection at a time, or loop over them.</summary>
internal interface ITransportListener : IDisposable
{
    /// <summary>The address actually bound (a requested port 0 / PORT_ANY is resolved).</summary>
    TransportAddress LocalAddress { get; }

    ValueTask<Stream> AcceptAsync(CancellationToken cancellationToken);

    /// <summary>Accepts until cancelled or disposed; ends quietly then.</summary>
    IAsyncEnumerable<Stream> AcceptAllAsync(CancellationToken cancellationToken);
}

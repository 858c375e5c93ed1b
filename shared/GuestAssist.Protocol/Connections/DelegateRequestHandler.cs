namespace GuestAssist.Protocol.Connections;

/// <summary>An <see cref="IRequestHandler"/> from a delegate.</summary>
internal sealed class DelegateRequestHandler(Func<IncomingRequest, CancellationToken, ValueTask> handle) : IRequestHandler
{
    private readonly Func<IncomingRequest, CancellationToken, ValueTask> _handle = handle ?? throw new ArgumentNullException(nameof(handle));

    public ValueTask HandleAsync(IncomingRequest request, CancellationToken cancellationToken) => _handle(request, cancellationToken);
}

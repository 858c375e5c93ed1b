using System.Runtime.CompilerServices;

namespace GuestAssist.Linux.Transports;

/// <summary>The accept-until-stopped loop every listener shares.</summary>
internal static class AcceptLoop
{
    internal static async IAsyncEnumerable<Stream> RunAsync(
        Func<CancellationToken, ValueTask<Stream>> acceptAsync,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Stream connection;
            try
            {
                connection = await acceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
            catch (ObjectDisposedException)
            {
                yield break;
            }

            yield return connection;
        }
    }
}

using System.Text;
using GuestAssist.Linux.Transports;

namespace GuestAssist.Linux.Tests.Transports.HybridVsock;

/// <summary>A guest-side vsock listener stand-in: optionally greets, then echoes every byte back.</summary>
public sealed class EchoGuest : IDisposable
{
    private readonly ITransportListener listener;
    private readonly CancellationTokenSource stop = new();

    public EchoGuest(string socketPath, string? greeting = null)
    {
        listener = TransportEndpoint.Create(new UnixAddress(socketPath)).Listen();
        var greetingBytes = greeting is null ? null : Encoding.ASCII.GetBytes(greeting);
        _ = Task.Run(async () =>
        {
            await foreach (var connection in listener.AcceptAllAsync(stop.Token))
            {
                _ = Task.Run(() => EchoAsync(connection, greetingBytes));
            }
        });
    }

    public void Dispose()
    {
        stop.Cancel();
        listener.Dispose();
        stop.Dispose();
    }

    private async Task EchoAsync(Stream connection, byte[]? greeting)
    {
        await using (connection)
        {
            try
            {
                if (greeting is not null)
                {
                    await connection.WriteAsync(greeting, stop.Token);
                }

                await connection.CopyToAsync(connection, stop.Token);
            }
            catch (Exception error) when (error is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}

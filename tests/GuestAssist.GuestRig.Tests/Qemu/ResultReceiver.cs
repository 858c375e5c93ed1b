using System.Formats.Tar;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace GuestAssist.GuestRig.Tests.Qemu;

/// <summary>
/// The host end of the rig's virtio-serial port: connects to QEMU's chardev socket as soon as it exists
/// (the guest's writes reach no one while no host is connected), reads `SIZE n\n` and n bytes of tar.
/// </summary>
public static class ResultReceiver
{
    public static async Task<byte[]> ReceiveAsync(string socketPath, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(socketPath, cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var header = await ReadLineAsync(stream, cancellationToken);
        if (!header.StartsWith("SIZE ", StringComparison.Ordinal) || !long.TryParse(header.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size > int.MaxValue)
        {
            throw new InvalidDataException($"the guest's result stream began with '{header}', not 'SIZE <bytes>'");
        }
        var payload = new byte[size];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return payload;
    }

    public static void Unpack(byte[] tar, string directory)
    {
        Directory.CreateDirectory(directory);
        using var stream = new MemoryStream(tar, writable: false);
        TarFile.ExtractToDirectory(stream, directory, overwriteFiles: true);
    }

    private static async Task<Socket> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        while (true)
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
                await Task.Delay(50, cancellationToken); // QEMU has not created the socket yet
            }
        }
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (line.Length < 64)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new EndOfStreamException($"the guest closed the rig port after '{line}'");
            }
            if (one[0] == '\n')
            {
                return line.ToString();
            }
            line.Append((char)one[0]);
        }
        throw new InvalidDataException($"the guest's result header is too long: '{line}'");
    }
}

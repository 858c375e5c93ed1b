namespace GuestAssist.Linux.Tests.Transports;

/// <summary>Round-trip helpers with a generous bound so a broken transport fails instead of hanging.</summary>
public static class StreamAssert
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    public static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(Bound);
        return buffer;
    }

    public static async Task SendsAsync(Stream from, Stream to, byte[] payload)
    {
        await from.WriteAsync(payload).AsTask().WaitAsync(Bound);
        await from.FlushAsync();
        Assert.Equal(payload, await ReadExactlyAsync(to, payload.Length));
    }

    /// <summary>Distinct bytes including the ones a terminal or a line protocol would mangle.</summary>
    public static byte[] Payload(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 7 + 3);
        }

        if (length >= 4)
        {
            bytes[0] = (byte)'\n';
            bytes[1] = (byte)'\r';
            bytes[2] = 0x03; // ^C
            bytes[3] = 0x04; // ^D
        }

        return bytes;
    }
}

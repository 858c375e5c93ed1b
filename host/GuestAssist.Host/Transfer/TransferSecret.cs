using System.Security.Cryptography;
using System.Text;

namespace GuestAssist.Host.Transfer;

/// <summary>
/// The per-migration secret both ends of a page transfer hold. It proves each channel's peer (HMAC-SHA256
/// challenge–response, both directions) and never travels. Give it as a file or an environment variable,
/// never as a command-line argument (other users can read /proc/&lt;pid&gt;/cmdline).
/// </summary>
public sealed class TransferSecret
{
    public const int MinimumBytes = 16;

    /// <summary>The environment variable the CLI reads when no secret file is given.</summary>
    public const string EnvironmentVariable = "GUESTASSIST_TRANSFER_SECRET";

    private readonly byte[] _key;

    private TransferSecret(byte[] key)
    {
        if (key.Length < MinimumBytes)
        {
            throw new ArgumentException($"a transfer secret needs at least {MinimumBytes} bytes, got {key.Length}", nameof(key));
        }
        _key = key;
    }

    public static TransferSecret FromBytes(ReadOnlySpan<byte> key) => new(key.ToArray());

    /// <summary>A fresh random secret (32 bytes) for one migration.</summary>
    public static TransferSecret Generate() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The file's bytes; one trailing newline is dropped so `echo … &gt; file` works.</summary>
    public static TransferSecret FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = File.ReadAllBytes(path);
        var length = bytes.Length;
        if (length > 0 && bytes[length - 1] == (byte)'\n')
        {
            length--;
        }
        return new(bytes[..length]);
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/> (the environment form).</summary>
    public static TransferSecret FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Writes the secret to a new file only its owner can read.</summary>
    public void WriteTo(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("transfer secrets are written with Unix permissions");
        }
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        file.Write(_key);
    }

    internal byte[] Mac(ReadOnlySpan<byte> message) => HMACSHA256.HashData(_key, message);
}

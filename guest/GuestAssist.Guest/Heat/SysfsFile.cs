using System.Buffers.Text;
using System.Text;
using GuestAssist.Linux.KernelFiles;

namespace GuestAssist.Guest.Heat;

/// <summary>
/// Small sysfs reads and writes as numbers and text, three system calls each (<see cref="KernelFile"/>): DAMON's
/// interface is hundreds of tiny files, and under emulation every extra layer (streams, encoders) costs real CPU.
/// </summary>
internal static class SysfsFile
{
    public static void Write(string path, ulong value)
    {
        Span<byte> text = stackalloc byte[24];
        if (!Utf8Formatter.TryFormat(value, text, out var length))
        {
            throw new FormatException($"cannot format {value}");
        }
        Write(path, text[..length]);
    }

    public static void Write(string path, string value)
    {
        Span<byte> text = stackalloc byte[64];
        var length = Encoding.ASCII.GetBytes(value, text);
        Write(path, text[..length]);
    }

    /// <summary>False when the file is not there (or not readable): no exception, nothing allocated.</summary>
    public static bool TryReadNumber(string path, out ulong value)
    {
        Span<byte> text = stackalloc byte[64];
        value = 0;
        if (!KernelFile.TryRead(path, text, out var length, out _))
        {
            return false;
        }
        var trimmed = text[..length].TrimEnd("\n "u8);
        return Utf8Parser.TryParse(trimmed, out value, out var used) && used == trimmed.Length;
    }

    public static ulong ReadNumber(string path)
    {
        Span<byte> text = stackalloc byte[64];
        var length = Read(path, text);
        var trimmed = text[..length].TrimEnd("\n "u8);
        if (!Utf8Parser.TryParse(trimmed, out ulong value, out var used) || used != trimmed.Length)
        {
            throw new FormatException($"{path} does not hold a number: \"{Encoding.ASCII.GetString(trimmed)}\"");
        }
        return value;
    }

    public static string ReadText(string path)
    {
        Span<byte> text = stackalloc byte[256];
        var length = Read(path, text);
        return Encoding.ASCII.GetString(text[..length]).Trim();
    }

    private static void Write(string path, ReadOnlySpan<byte> bytes) => KernelFile.Write(path, bytes);

    private static int Read(string path, Span<byte> buffer) => KernelFile.Read(path, buffer);
}

using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace GuestAssist.Linux.Errors;

/// <summary>A failed Linux call: which call, on what, and the errno it returned.</summary>
public class LinuxException : IOException
{
    public LinuxException(Errno errno, string call, string? path = null, string? detail = null)
        : base(Format(errno, call, path, detail))
    {
        Errno = errno;
        Call = call;
        Path = path;
        HResult = (int)errno;
    }

    public Errno Errno { get; }

    public string Call { get; }

    public string? Path { get; }

    /// <summary>Throws for the errno of the last P/Invoke made with SetLastError = true.</summary>
    [DoesNotReturn]
    public static void ThrowLast(string call, string? path = null, string? detail = null) =>
        throw new LinuxException(LastErrno(), call, path, detail);

    public static LinuxException FromLast(string call, string? path = null, string? detail = null) =>
        new(LastErrno(), call, path, detail);

    public static Errno LastErrno() => (Errno)Marshal.GetLastPInvokeError();

    private static string Format(Errno errno, string call, string? path, string? detail)
    {
        var what = path is null ? call : $"{call}({path})";
        var text = $"{what} failed: {errno} ({Marshal.GetPInvokeErrorMessage((int)errno)})";
        return detail is null ? text : $"{text}: {detail}";
    }
}

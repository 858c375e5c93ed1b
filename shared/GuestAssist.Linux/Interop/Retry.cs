using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Interop;

/// <summary>Retries a libc call for as long as it fails with EINTR.</summary>
internal static class Retry
{
    internal static int OnEintr(Func<int> call)
    {
        int result;
        while ((result = call()) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }

    internal static nint OnEintr(Func<nint> call)
    {
        nint result;
        while ((result = call()) < 0 && LinuxException.LastErrno() == Errno.EINTR)
        {
        }
        return result;
    }
}

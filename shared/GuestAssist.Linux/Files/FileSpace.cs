using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Files;

/// <summary>Freeing parts of a file's storage (memfd, tmpfs, hugetlbfs, ext4, xfs ...) without changing its size.</summary>
internal static class FileSpace
{
    /// <summary>
    /// fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) over [offset, offset + length): the range reads as zeros
    /// afterwards and its pages or blocks go back to the system, in every mapping of the file. The file must be open for
    /// writing; on hugetlbfs the range must be huge-page aligned.
    /// </summary>
    public static void PunchHole(SafeHandle file, long offset, long length)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (Libc.Fallocate(file, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length) != 0)
        {
            LinuxException.ThrowLast("fallocate", detail: $"punch hole at 0x{offset:x}+{length}");
        }
    }
}

using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;
using Microsoft.Win32.SafeHandles;

namespace GuestAssist.Linux.Files;

/// <summary>The data extents of a sparse file, found with lseek SEEK_DATA / SEEK_HOLE (a Firecracker diff snapshot holds only written pages).</summary>
internal static class SparseFile
{
    /// <summary>
    /// Every data extent of the file, in offset order. A file system without SEEK_DATA support reports the whole file as one
    /// extent (that is what lseek does there), which callers must treat as "everything written".
    /// </summary>
    public static List<FileExtent> DataExtents(SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var extents = new List<FileExtent>();
        long offset = 0;
        while (true)
        {
            var data = Libc.Lseek(file, offset, Libc.SEEK_DATA);
            if (data < 0)
            {
                if (LinuxException.LastErrno() == Errno.ENXIO)
                {
                    return extents; // no data at or after offset
                }
                LinuxException.ThrowLast("lseek", detail: $"SEEK_DATA from {offset}");
            }
            var hole = Libc.Lseek(file, data, Libc.SEEK_HOLE);
            if (hole < 0)
            {
                LinuxException.ThrowLast("lseek", detail: $"SEEK_HOLE from {data}");
            }
            extents.Add(new FileExtent(data, hole - data));
            offset = hole;
        }
    }
}

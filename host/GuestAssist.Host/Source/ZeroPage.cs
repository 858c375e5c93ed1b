using System.Numerics;
using System.Runtime.InteropServices;

namespace GuestAssist.Host.Source;

/// <summary>Vectorised all-zero checks for page data.</summary>
internal static class ZeroPage
{
    /// <summary>True when every byte is zero; ORs vectors of 32/64 bytes so a zero page costs a few dozen instructions.</summary>
    public static bool IsZero(ReadOnlySpan<byte> page)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(page);
        var vectors = MemoryMarshal.Cast<ulong, Vector<ulong>>(words);
        var acc = Vector<ulong>.Zero;
        for (var i = 0; i < vectors.Length; i++)
        {
            acc |= vectors[i];
            if ((i & 15) == 15 && acc != Vector<ulong>.Zero)
            {
                return false;
            }
        }
        if (acc != Vector<ulong>.Zero)
        {
            return false;
        }
        for (var i = vectors.Length * Vector<ulong>.Count; i < words.Length; i++)
        {
            if (words[i] != 0)
            {
                return false;
            }
        }
        for (var i = words.Length * sizeof(ulong); i < page.Length; i++)
        {
            if (page[i] != 0)
            {
                return false;
            }
        }
        return true;
    }
}

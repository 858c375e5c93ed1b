using System.Buffers.Binary;

namespace GuestAssist.Simulation.VirtualMachine;

/// <summary>What the demo workload writes: a page's first 64 bytes derive from (GFN, generation) so any page can be checked on its own.</summary>
public static class PagePattern
{
    public const int Bytes = 64;

    public static void Write(Span<byte> page, ulong gfn, uint generation)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(page, gfn);
        BinaryPrimitives.WriteUInt32LittleEndian(page[8..], generation);
        var h = Hash(gfn, generation);
        for (var i = 16; i < Bytes; i += 8)
        {
            h = Mix(h + (ulong)i);
            BinaryPrimitives.WriteUInt64LittleEndian(page[i..], h);
        }
    }

    public static ulong Hash(ulong gfn, uint generation) => Mix(gfn * 0x9E3779B97F4A7C15UL ^ generation);

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

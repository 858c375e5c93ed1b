using GuestAssist.Linux.Memory;

namespace GuestAssist.FirecrackerStandIn;

/// <summary>Reads a guest page (faulting it in) and compares it with the memory file; counts both outcomes.</summary>
internal sealed class PageChecker(string memoryFile, ulong page)
{
    private readonly byte[] _expected = new byte[page];
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _file = File.OpenHandle(memoryFile);

    public long Verified { get; private set; }

    public long Mismatches { get; private set; }

    public void Check(MappedMemory region, ulong fileOffset, ulong index)
    {
        var offset = fileOffset + (index * page);
        RandomAccess.Read(_file, _expected, (long)offset);
        if (region.AsSpan(index * page, (int)page).SequenceEqual(_expected))
        {
            Verified++;
        }
        else
        {
            Mismatches++;
            Console.WriteLine($"stand-in: mismatch at file offset 0x{offset:x}");
        }
    }
}

using System.Net.Sockets;
using System.Text;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Sockets;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.FirecrackerStandIn;

/// <summary>
/// Does what Firecracker does on snapshot load with a Uffd memory backend: anonymous guest memory, a
/// non-blocking uffd with EVENT_REMOVE, every region registered MISSING, one message (JSON array of
/// GuestRegionUffdMapping + the uffd as SCM_RIGHTS), socket kept open; then it runs the "guest": touches
/// pages and checks them against the memory file, and madvise(DONTNEED)s a range as a balloon would.
/// </summary>
internal static class FirecrackerVmm
{
    private const ulong Page = 4096;

    public static int Run(string socketPath, string memoryFile, StandInMode mode, ulong region0Bytes, ulong region1Bytes)
    {
        using var region0 = MappedMemory.Anonymous(region0Bytes);
        using var region1 = MappedMemory.Anonymous(region1Bytes);
        using var uffd = Userfaultfd.Create(UffdFeatures.EventRemove);
        uffd.Register(region0.Address64, region0.Length, UffdRegisterMode.Missing);
        uffd.Register(region1.Address64, region1.Length, UffdRegisterMode.Missing);

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        var base0 = region0.Address64 + (mode == StandInMode.Misaligned ? 8UL : 0);
        var offset1 = mode == StandInMode.BadOffsets ? region0Bytes + Page : region0Bytes;
        var json = $"[{Mapping(base0, region0Bytes, 0)},{Mapping(region1.Address64, region1Bytes, offset1)}]";
        switch (mode)
        {
            case StandInMode.CloseEarly:
                socket.Close();
                break;
            case StandInMode.BadJson:
                FdPassing.Send(socket, Encoding.UTF8.GetBytes(json[..(json.Length / 2)]), [uffd.Handle]);
                break;
            case StandInMode.NoFd:
                FdPassing.Send(socket, Encoding.UTF8.GetBytes(json), []);
                break;
            default:
                FdPassing.Send(socket, Encoding.UTF8.GetBytes(json), [uffd.Handle]);
                break;
        }
        Console.WriteLine($"stand-in {Environment.ProcessId}: sent handshake ({mode})");

        if (mode != StandInMode.Ok)
        {
            // A refused handshake must not leave us hung here: the handler kills us.
            var value = region0.AsSpan(0, 1)[0];
            Console.WriteLine($"stand-in: fault served unexpectedly (read {value})");
            return 3;
        }
        return RunGuest(memoryFile, region0, region1);
    }

    private static int RunGuest(string memoryFile, MappedMemory region0, MappedMemory region1)
    {
        using var file = File.OpenHandle(memoryFile);
        var expected = new byte[Page];
        long verified = 0, mismatches = 0;
        void Check(MappedMemory region, ulong fileOffset, ulong page)
        {
            RandomAccess.Read(file, expected, (long)(fileOffset + (page * Page)));
            if (region.AsSpan(page * Page, (int)Page).SequenceEqual(expected))
            {
                verified++;
            }
            else
            {
                mismatches++;
                Console.WriteLine($"stand-in: mismatch at file offset 0x{fileOffset + (page * Page):x}");
            }
        }

        var pages0 = region0.Length / Page;
        var pages1 = region1.Length / Page;
        for (var p = 0UL; p < pages0; p += 61)
        {
            Check(region0, 0, p);
        }
        Check(region0, 0, pages0 - 1);
        for (var p = 0UL; p < pages1; p += 37)
        {
            Check(region1, region0.Length, p);
        }
        Check(region1, region0.Length, pages1 - 1);
        for (var p = 16UL; p < 32; p++)
        {
            Check(region0, 0, p);
        }

        // Balloon-style release of pages 16..32: raises REMOVE; afterwards the range reads zero.
        region0.Advise(16 * Page, 16 * Page, MemoryAdvice.DontNeed);
        var removedZero = true;
        for (var p = 16UL; p < 32; p++)
        {
            removedZero &= region0.AsSpan(p * Page, (int)Page).IndexOfAnyExcept((byte)0) < 0;
        }
        // Neighbours are untouched and fresh pages still come from the file.
        Check(region0, 0, 15);
        Check(region0, 0, 32);
        Check(region0, 0, 33);
        Check(region1, region0.Length, 1);

        Console.WriteLine($"stand-in: verified: {verified} pages ok, {mismatches} mismatches; removed range reads zero: {removedZero}");
        return mismatches == 0 && removedZero ? 0 : 2;
    }

    private static string Mapping(ulong host, ulong size, ulong offset) =>
        $"{{\"base_host_virt_addr\":{host},\"size\":{size},\"offset\":{offset},\"page_size\":{Page},\"page_size_kib\":{Page}}}";
}

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
    private const ulong SmallPage = 4096;
    private const ulong HugePage = 2UL << 20;
    private const int VcpuThreads = 4;

    public static int Run(string socketPath, string memoryFile, StandInMode mode, ulong region0Bytes, ulong region1Bytes)
    {
        var huge = mode == StandInMode.HugePages;
        var page = huge ? HugePage : SmallPage;
        using var region0 = Guest(region0Bytes, huge);
        using var region1 = Guest(region1Bytes, huge);
        using var uffd = Userfaultfd.Create(UffdFeatures.EventRemove | (huge ? UffdFeatures.MissingHugetlbfs : UffdFeatures.None));
        uffd.Register(region0.Address64, region0.Length, UffdRegisterMode.Missing);
        uffd.Register(region1.Address64, region1.Length, UffdRegisterMode.Missing);

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        var base0 = region0.Address64 + (mode == StandInMode.Misaligned ? 8UL : 0);
        var offset1 = mode == StandInMode.BadOffsets ? region0Bytes + page : region0Bytes;
        var json = $"[{Mapping(mode, page, base0, region0Bytes, 0)},{Mapping(mode, page, region1.Address64, region1Bytes, offset1)}]";
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

        switch (mode)
        {
            case StandInMode.Ok or StandInMode.NoPageSize or StandInMode.PageSizeKibOnly or StandInMode.HugePages:
                return RunGuest(memoryFile, region0, region1, page);
            case StandInMode.VerifyAllThenRun:
                return RunToTheEnd(memoryFile, region0, region1);
            case StandInMode.HangUpWhileFaulting:
                return RunVcpus(memoryFile, region0, region1, socket);
            default:
                // A refused handshake must not leave us hung here: the handler kills us.
                var value = region0.AsSpan(0, 1)[0];
                Console.WriteLine($"stand-in: fault served unexpectedly (read {value})");
                return 3;
        }
    }

    private static MappedMemory Guest(ulong bytes, bool huge) => huge
        ? MappedMemory.Map(bytes, MemoryProtection.ReadWrite, MapFlags.Private | MapFlags.Anonymous | MapFlags.HugeTlb, fd: null, offset: 0)
        : MappedMemory.Anonymous(bytes);

    private static int RunGuest(string memoryFile, MappedMemory region0, MappedMemory region1, ulong page)
    {
        var checker = new PageChecker(memoryFile, page);
        var pages0 = region0.Length / page;
        var pages1 = region1.Length / page;
        var step0 = pages0 > 1024 ? 61UL : 1;
        var step1 = pages1 > 1024 ? 37UL : 1;
        for (var p = 0UL; p < pages0; p += step0)
        {
            checker.Check(region0, 0, p);
        }
        checker.Check(region0, 0, pages0 - 1);
        for (var p = 0UL; p < pages1; p += step1)
        {
            checker.Check(region1, region0.Length, p);
        }
        checker.Check(region1, region0.Length, pages1 - 1);
        // Small pages: 16..32 released; huge pages: 2..4 (whole 2 MiB pages, as a balloon on hugetlbfs does).
        var (first, count) = page == SmallPage ? (16UL, 16UL) : (2UL, 2UL);
        for (var p = first; p < first + count; p++)
        {
            checker.Check(region0, 0, p);
        }

        // Balloon-style release: raises REMOVE; afterwards the range reads zero.
        region0.Advise(first * page, count * page, MemoryAdvice.DontNeed);
        var removedZero = true;
        for (var p = first; p < first + count; p++)
        {
            removedZero &= region0.AsSpan(p * page, (int)page).IndexOfAnyExcept((byte)0) < 0;
        }
        // Neighbours are untouched and fresh pages still come from the file.
        checker.Check(region0, 0, first - 1);
        checker.Check(region0, 0, first + count);
        checker.Check(region0, 0, first + count + 1);
        checker.Check(region1, region0.Length, 1);

        Console.WriteLine($"stand-in: verified: {checker.Verified} pages ok, {checker.Mismatches} mismatches; removed range reads zero: {removedZero}");
        return checker.Mismatches == 0 && removedZero ? 0 : 2;
    }

    /// <summary>Every page, the hot end of each region first, verified against the memory file; then the guest runs on until killed.</summary>
    private static int RunToTheEnd(string memoryFile, MappedMemory region0, MappedMemory region1)
    {
        var checker = new PageChecker(memoryFile, SmallPage);
        var pages0 = region0.Length / SmallPage;
        for (var p = pages0; p-- > 0;)
        {
            checker.Check(region0, 0, p);
        }
        for (var p = 0UL; p < region1.Length / SmallPage; p++)
        {
            checker.Check(region1, region0.Length, p);
        }
        Console.WriteLine($"stand-in: verified: {checker.Verified} pages ok, {checker.Mismatches} mismatches; running");
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }

    /// <summary>
    /// Four vCPU threads read every page (each its own stripe) and verify it; once 64 pages are in, the handshake
    /// socket is closed (as a VMM that leaks or closes it may) and the threads go on faulting.
    /// </summary>
    private static int RunVcpus(string memoryFile, MappedMemory region0, MappedMemory region1, Socket socket)
    {
        var checkers = Enumerable.Range(0, VcpuThreads).Select(_ => new PageChecker(memoryFile, SmallPage)).ToArray();
        var pages0 = region0.Length / SmallPage;
        var total = pages0 + (region1.Length / SmallPage);
        long done = 0;
        using var closeNow = new ManualResetEventSlim();
        var vcpus = Enumerable.Range(0, VcpuThreads).Select(t => new Thread(() =>
        {
            for (var p = (ulong)t; p < total; p += VcpuThreads)
            {
                if (p < pages0)
                {
                    checkers[t].Check(region0, 0, p);
                }
                else
                {
                    checkers[t].Check(region1, region0.Length, p - pages0);
                }
                if (Interlocked.Increment(ref done) == 64)
                {
                    closeNow.Set();
                }
            }
        }) { Name = $"vcpu{t}" }).ToArray();
        foreach (var vcpu in vcpus)
        {
            vcpu.Start();
        }
        closeNow.Wait();
        socket.Close();
        var closedAfter = Interlocked.Read(ref done);
        foreach (var vcpu in vcpus)
        {
            vcpu.Join();
        }
        var verified = checkers.Sum(c => c.Verified);
        var mismatches = checkers.Sum(c => c.Mismatches);
        Console.WriteLine($"stand-in: socket closed after {closedAfter} pages; verified: {verified} of {total} pages ok, {mismatches} mismatches");
        return mismatches == 0 && verified == (long)total && closedAfter < (long)total ? 0 : 2;
    }

    private static string Mapping(StandInMode mode, ulong page, ulong host, ulong size, ulong offset) => mode switch
    {
        StandInMode.NoPageSize => $"{{\"base_host_virt_addr\":{host},\"size\":{size},\"offset\":{offset},\"future_field\":[1,{{\"x\":null}}]}}",
        StandInMode.PageSizeKibOnly => $"{{\"base_host_virt_addr\":{host},\"size\":{size},\"offset\":{offset},\"page_size_kib\":{page}}}",
        _ => $"{{\"base_host_virt_addr\":{host},\"size\":{size},\"offset\":{offset},\"page_size\":{page},\"page_size_kib\":{page}}}",
    };
}

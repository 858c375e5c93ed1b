using System.Collections.Concurrent;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Tests.Support;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Tests.Userfaultfd;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Host.Tests.Destination;

public class FaultServerTests
{
    private const ulong Page = TestVm.Page;

    [UffdFact]
    public void Faults_are_served_from_a_memory_file()
    {
        using var vm = new TestVm();
        var (server, source) = FaultServer.Create(vm.Uffd, vm.Layout, s => MemoryFileRequester.FromDescriptor(s, vm.File, vm.FileBytes));
        using var sourceLifetime = source;
        server.Start();
        var frames = TestVm.Frames.ToArray();
        var readers = Enumerable.Range(0, 3).Select(t => Task.Factory.StartNew(
            () =>
            {
                foreach (var gfn in frames.Where((_, i) => i % 3 == t))
                {
                    Assert.Equal(TestVm.Expected(gfn), vm.Touch(gfn));
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        Assert.True(Task.WaitAll(readers, 30_000));
        // A copy wakes the faulting thread before the server thread counts it: stop the server first.
        server.Stop();
        var stats = server.Statistics;
        Assert.Equal(frames.Length, stats.PagesInstalled);
        Assert.Equal(frames.Length, stats.UrgentRequests);
        Assert.True(server.IsComplete);
        Assert.Equal(frames.Length, server.Blocktime.Count);
        Assert.True(server.Blocktime.Summarize().Max > TimeSpan.Zero);
        Assert.True(server.Completion.IsCompletedSuccessfully);
    }

    [UffdFact]
    public void A_fault_queued_before_start_is_served_by_the_requester_wired_at_construction()
    {
        using var vm = new TestVm();
        // The vCPU faults before the server runs (as a VMM resumed before its handler is ready).
        var early = Task.Factory.StartNew(() => vm.Touch(TestVm.Region1FirstGfn + 3), TaskCreationOptions.LongRunning);
        Assert.False(early.Wait(200));
        var (server, source) = FaultServer.Create(vm.Uffd, vm.Layout, s => MemoryFileRequester.FromDescriptor(s, vm.File, vm.FileBytes));
        using var sourceLifetime = source;
        Assert.Same(source, server.Requester);

        server.Start();

        Assert.True(early.Wait(10_000));
        Assert.Equal(TestVm.Expected(TestVm.Region1FirstGfn + 3), early.Result);
        server.Stop();
        Assert.False(server.Completion.IsFaulted);
        Assert.Equal(1, server.Statistics.UrgentRequests);
        server.Dispose();
    }

    [UffdFact]
    public void A_requester_factory_that_throws_fails_the_constructor_and_leaves_the_uffd_to_the_caller()
    {
        using var vm = new TestVm();

        var error = Assert.Throws<IOException>(() => new FaultServer(vm.Uffd, vm.Layout, _ => throw new IOException("no page server at unix:/x: ENOENT (No such file or directory)")));

        Assert.Equal("no page server at unix:/x: ENOENT (No such file or directory)", error.Message);
        Assert.Equal(CopyResult.Copied(Page), vm.Uffd.ZeroPage(vm.Layout.HostAddressOf(0), Page));
    }

    [UffdFact]
    public void A_stream_and_urgent_requests_race_and_every_frame_is_installed_once()
    {
        using var vm = new TestVm();
        using var file = MappedMemory.MapFile(vm.File, vm.FileBytes);
        var requests = new BlockingCollection<ulong>();
        var server = new FaultServer(vm.Uffd, vm.Layout, new QueueRequester(requests));
        server.Start();
        var urgent = Task.Factory.StartNew(
            () =>
            {
                foreach (var gfn in requests.GetConsumingEnumerable())
                {
                    server.Install(gfn, file.AsSpan(vm.Layout.FileOffsetOf(gfn), (int)Page));
                }
            },
            TaskCreationOptions.LongRunning);
        var stream = Task.Factory.StartNew(
            () =>
            {
                foreach (var region in vm.Layout.Regions.Reverse())
                {
                    for (var offset = 0UL; offset < region.Size; offset += 8 * Page)
                    {
                        var gfn = (region.GuestPhysicalAddress + offset) / Page;
                        server.Install(gfn, file.AsSpan(region.FileOffset + offset, (int)(8 * Page)));
                    }
                }
            },
            TaskCreationOptions.LongRunning);
        var frames = TestVm.Frames.ToArray();
        var reader = Task.Factory.StartNew(
            () =>
            {
                foreach (var gfn in frames)
                {
                    Assert.Equal(TestVm.Expected(gfn), vm.Touch(gfn));
                }
            },
            TaskCreationOptions.LongRunning);
        Assert.True(Task.WaitAll([reader, stream], 30_000));
        requests.CompleteAdding();
        Assert.True(urgent.Wait(10_000));
        var stats = server.Statistics;
        Assert.Equal(frames.Length, stats.PagesInstalled);
        Assert.Equal(frames.Length, server.Held.Count);
        Assert.True(server.IsComplete);
        Assert.Empty(server.PendingFaults());
        server.Dispose();
    }

    [UffdFact]
    public void Skipped_frames_fault_to_local_zero_pages_without_a_request()
    {
        using var vm = new TestVm();
        var requests = new BlockingCollection<ulong>();
        var server = new FaultServer(vm.Uffd, vm.Layout, new QueueRequester(requests));
        server.MarkSkipped(TestVm.Region1FirstGfn, 4);
        server.Start();
        var page = Task.Factory.StartNew(() => vm.Touch(TestVm.Region1FirstGfn + 2), TaskCreationOptions.LongRunning);
        Assert.True(page.Wait(10_000));
        Assert.True(page.Result.All(b => b == 0));
        Assert.Empty(requests);
        server.Stop();
        Assert.Equal(1, server.Statistics.LocalZeroFills);
        Assert.True(server.Held.IsHeld(TestVm.Region1FirstGfn + 2), "a frame zero-filled on fault is held: a resumed transfer must not send it");
        Assert.False(server.Held.IsHeld(TestVm.Region1FirstGfn + 3));
        Assert.Equal(new InstallResult(0, 1, 0, false), server.Install(TestVm.Region1FirstGfn + 2, TestVm.Expected(TestVm.Region1FirstGfn + 2)));
        server.Dispose();
    }

    [UffdFact]
    public void Removed_ranges_read_zero_and_are_not_installed_again()
    {
        using var vm = new TestVm();
        using var file = MappedMemory.MapFile(vm.File, vm.FileBytes);
        var server = new FaultServer(vm.Uffd, vm.Layout, new QueueRequester([]));
        server.Start();
        Assert.Equal(new InstallResult(16, 0, 0, false), server.Install(0, file.AsSpan(0, (int)(16 * Page))));
        Assert.Equal(TestVm.Expected(5), vm.Touch(5));

        // The VMM drops frames 4..8 (balloon): madvise blocks until the server reads the REMOVE.
        var advise = Task.Factory.StartNew(() => MappedMemory.Advise(vm.Region0.Address + (nint)(4 * Page), 4 * Page, MemoryAdvice.DontNeed), TaskCreationOptions.LongRunning);
        Assert.True(advise.Wait(10_000));
        Assert.True(SpinWait.SpinUntil(() => server.Statistics.RemoveEvents == 1, 10_000));
        var zero = Task.Factory.StartNew(() => vm.Touch(6), TaskCreationOptions.LongRunning);
        Assert.True(zero.Wait(10_000));
        Assert.True(zero.Result.All(b => b == 0));
        Assert.Equal(TestVm.Expected(3), vm.Touch(3));
        Assert.Equal(new InstallResult(0, 1, 0, false), server.Install(7, file.AsSpan(7 * Page, (int)Page)));
        Assert.Equal(4, server.Held.RemovedCount);
        Assert.True(server.Held.IsRemoved(7) && server.Held.IsHeld(7), "a removed frame is held: a resumed transfer must not send it");
        Assert.Equal(16, server.Held.Count);
        server.Dispose();
    }

    [UffdFact]
    public void A_copy_that_races_a_remove_leaves_the_removed_frames_zero()
    {
        using var vm = new TestVm();
        using var file = MappedMemory.MapFile(vm.File, vm.FileBytes);
        var server = new FaultServer(vm.Uffd, vm.Layout, new QueueRequester([]));
        server.Start();
        using var atCopy = new ManualResetEventSlim();
        using var proceed = new ManualResetEventSlim();
        server.BeforeCopy = _ =>
        {
            atCopy.Set();
            proceed.Wait();
        };
        var install = Task.Factory.StartNew(() => server.Install(0, file.AsSpan(0, (int)(16 * Page))), TaskCreationOptions.LongRunning);
        Assert.True(atCopy.Wait(10_000));

        // The copy has checked "not removed" and not reached the kernel yet when the VMM drops frames 4..8: the server
        // reads the REMOVE without waiting for the copy, madvise returns, and the copy then lands on the zapped range.
        MappedMemory.Advise(vm.Region0.Address + (nint)(4 * Page), 4 * Page, MemoryAdvice.DontNeed);
        proceed.Set();
        Assert.True(install.Wait(10_000));
        server.BeforeCopy = null;

        Assert.Equal(16UL, install.Result.Installed);
        for (var gfn = 0UL; gfn < 16; gfn++)
        {
            var page = vm.Touch(gfn);
            Assert.True(gfn is >= 4 and < 8 ? page.All(b => b == 0) : page.SequenceEqual(TestVm.Expected(gfn)), $"frame {gfn}");
        }
        Assert.Equal(4, server.Statistics.RacedRemovalRepairs);
        server.Dispose();
    }

    [UffdFact]
    public void A_copy_that_races_a_remove_in_the_vmm_process_is_zeroed_there()
    {
        const ulong pages = 16;
        using var vmm = new UffdChildProcess("balloon-child", pages);
        var layout = new GuestMemoryLayout([new MemoryRegion(0, pages * Page, 0)], (uint)Page).WithHostAddresses([vmm.Address]);
        var server = new FaultServer(vmm.Uffd, layout, new QueueRequester([]), targetProcessId: vmm.ProcessId);
        server.Start();
        var data = new byte[pages * Page];
        for (var gfn = 0UL; gfn < pages; gfn++)
        {
            BitConverter.TryWriteBytes(data.AsSpan((int)(gfn * Page), 8), gfn + 1);
        }
        using var atCopy = new ManualResetEventSlim();
        using var proceed = new ManualResetEventSlim();
        server.BeforeCopy = _ =>
        {
            atCopy.Set();
            proceed.Wait();
        };
        var install = Task.Factory.StartNew(() => server.Install(0, data), TaskCreationOptions.LongRunning);
        Assert.True(atCopy.Wait(10_000));

        vmm.Drop(4, 8);
        proceed.Set();
        Assert.True(install.Wait(10_000));
        server.BeforeCopy = null;

        var heads = vmm.Read(0, pages);
        for (var gfn = 0UL; gfn < pages; gfn++)
        {
            Assert.True(heads[gfn] == (gfn is >= 4 and < 8 ? null : gfn + 1), $"frame {gfn}: {heads[gfn]?.ToString() ?? "zero"}");
        }
        Assert.Equal(4, server.Statistics.RacedRemovalRepairs);
        server.Dispose();
    }

    [UffdFact]
    public void An_install_blocked_by_a_pending_remove_retries_until_the_server_reads_it()
    {
        using var vm = new TestVm();
        using var file = MappedMemory.MapFile(vm.File, vm.FileBytes);
        var server = new FaultServer(vm.Uffd, vm.Layout, new QueueRequester([]));
        Assert.Equal(1UL, server.Install(0, file.AsSpan(0, (int)Page)).Installed);
        var advise = Task.Factory.StartNew(() => MappedMemory.Advise(vm.Region0.Address, Page, MemoryAdvice.DontNeed), TaskCreationOptions.LongRunning);
        Assert.Equal(UffdWaitResult.EventsReady, vm.Uffd.Wait(10_000));
        var install = Task.Factory.StartNew(() => server.Install(10, file.AsSpan(10 * Page, (int)(4 * Page))), TaskCreationOptions.LongRunning);
        Assert.True(SpinWait.SpinUntil(() => server.Statistics.Retries > 0, 10_000));
        Assert.False(install.IsCompleted);
        server.Start();
        Assert.True(install.Wait(10_000));
        Assert.Equal(new InstallResult(4, 0, 0, false), install.Result);
        Assert.True(advise.Wait(10_000));
        Assert.Equal(TestVm.Expected(12), vm.Touch(12));
        server.Dispose();
    }

    [UffdFact]
    public void Zero_fill_and_bad_input()
    {
        using var vm = new TestVm();
        var server = new FaultServer(vm.Uffd, vm.Layout, new QueueRequester([]));
        Assert.Equal(new InstallResult(3, 0, 0, false), server.ZeroFill(TestVm.Region1FirstGfn, 3));
        Assert.Equal(0, vm.Touch(TestVm.Region1FirstGfn + 1)[100]);
        Assert.Throws<ArgumentException>(() => server.Install(0, new byte[100]));
        Assert.Throws<ArgumentOutOfRangeException>(() => server.Install(100, new byte[Page]));
        server.Dispose();
    }

    [UffdFact]
    public void Installing_into_memory_the_vm_unmapped_reports_the_target_gone()
    {
        using var vm = new TestVm();
        var server = new FaultServer(vm.Uffd, vm.Layout, new QueueRequester([]));
        vm.Region1.Dispose();
        var result = server.Install(TestVm.Region1FirstGfn, new byte[2 * Page]);
        Assert.True(result.TargetGone);
        Assert.Equal(0UL, result.Installed);
        Assert.True(server.TargetGone);
        server.Dispose();
    }

    private sealed class QueueRequester(BlockingCollection<ulong> queue) : IPageRequester
    {
        public void RequestUrgent(ulong gfn) => queue.Add(gfn);
    }
}

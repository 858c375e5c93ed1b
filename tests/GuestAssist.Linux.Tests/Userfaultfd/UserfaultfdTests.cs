using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Userfaultfd;
using Uffd = GuestAssist.Linux.Userfaultfd.Userfaultfd;

namespace GuestAssist.Linux.Tests.Userfaultfd;

public class UserfaultfdTests
{
    private const ulong Page = 4096;

    [UffdFact]
    public void Probe_reports_the_features_the_reference_machine_has()
    {
        var features = Uffd.ProbeFeatures();
        Assert.True(features.HasFlag(UffdFeatures.EventRemove));
        Assert.True(features.HasFlag(UffdFeatures.ThreadId));
    }

    [UffdFact]
    public void The_dev_userfaultfd_fallback_creates_a_working_uffd()
    {
        if (!File.Exists("/dev/userfaultfd"))
        {
            return;
        }
        using var memory = MappedMemory.Anonymous(2 * Page);
        using var uffd = Uffd.CreateViaDevice(UffdFeatures.EventRemove);
        Assert.True(uffd.Features.HasFlag(UffdFeatures.EventRemove));
        uffd.Register(memory.Address64, memory.Length, UffdRegisterMode.Missing);
        Assert.Equal(CopyResult.Copied(Page), uffd.ZeroPage(memory.Address64, Page));
    }

    [UffdFact]
    public void Missing_features_are_named_in_a_typed_error()
    {
        const UffdFeatures bogus = (UffdFeatures)(1UL << 50);
        var error = Assert.Throws<UffdFeatureException>(() => Uffd.Create(UffdFeatures.EventRemove | bogus));
        Assert.Equal(bogus, error.Missing);
        Assert.Contains("missing userfaultfd features", error.Message);
    }

    [UffdFact]
    public void Optional_features_are_taken_when_available()
    {
        using var uffd = Uffd.Create(UffdFeatures.EventRemove, optional: UffdFeatures.ThreadId | (UffdFeatures)(1UL << 50));
        Assert.True(uffd.Features.HasFlag(UffdFeatures.EventRemove | UffdFeatures.ThreadId));
        Assert.True(uffd.ApiIoctls.HasFlag(UffdIoctls.Register));
    }

    [UffdFact]
    public void A_fault_is_read_as_an_event_and_served_by_copy()
    {
        using var memory = MappedMemory.Anonymous(16 * Page);
        using var uffd = Uffd.Create(UffdFeatures.ThreadId);
        var ioctls = uffd.Register(memory.Address64, memory.Length, UffdRegisterMode.Missing);
        Assert.True(ioctls.HasFlag(UffdIoctls.Copy | UffdIoctls.ZeroPage | UffdIoctls.Wake));

        var target = memory.Address64 + (5 * Page) + 123;
        var reader = Task.Factory.StartNew(() => NativeAccess.ReadByte(target), TaskCreationOptions.LongRunning);
        Assert.Equal(UffdWaitResult.EventsReady, uffd.Wait(10_000));
        Span<UffdEvent> events = stackalloc UffdEvent[8];
        Assert.Equal(1, uffd.ReadEvents(events));
        Assert.Equal(UffdEventKind.Pagefault, events[0].Kind);
        Assert.Equal(memory.Address64 + (5 * Page), events[0].Address & ~(Page - 1));
        Assert.NotEqual(0U, events[0].ThreadId);

        var page = new byte[Page];
        page.AsSpan().Fill(0x5A);
        Assert.Equal(CopyResult.Copied(Page), uffd.Copy(memory.Address64 + (5 * Page), page));
        Assert.True(reader.Wait(10_000));
        Assert.Equal(0x5A, reader.Result);

        Assert.Equal(CopyResult.AlreadyPresent, uffd.Copy(memory.Address64 + (5 * Page), page));
        Assert.Equal(0, uffd.ReadEvents(events));
    }

    [UffdFact]
    public void Zero_page_installs_zeros_and_copy_over_it_is_already_present()
    {
        using var memory = MappedMemory.Anonymous(4 * Page);
        using var uffd = Uffd.Create();
        uffd.Register(memory.Address64, memory.Length, UffdRegisterMode.Missing);
        Assert.Equal(CopyResult.Copied(2 * Page), uffd.ZeroPage(memory.Address64, 2 * Page));
        Assert.Equal(0, NativeAccess.ReadByte(memory.Address64 + Page));
        Assert.Equal(CopyOutcome.AlreadyPresent, uffd.ZeroPage(memory.Address64, Page).Outcome);
        Assert.Equal(CopyOutcome.AlreadyPresent, uffd.Copy(memory.Address64 + Page, new byte[Page]).Outcome);
        uffd.Unregister(memory.Address64, memory.Length);
    }

    [UffdFact]
    public void Remove_is_reported_and_installs_retry_until_it_is_read()
    {
        using var memory = MappedMemory.Anonymous(8 * Page);
        using var uffd = Uffd.Create(UffdFeatures.EventRemove);
        uffd.Register(memory.Address64, memory.Length, UffdRegisterMode.Missing);
        var page = new byte[Page];
        page.AsSpan().Fill(7);
        Assert.Equal(CopyOutcome.Copied, uffd.Copy(memory.Address64, page).Outcome);

        // madvise blocks in the kernel until the REMOVE event is read.
        var advise = Task.Factory.StartNew(() => memory.Advise(0, 4 * Page, MemoryAdvice.DontNeed), TaskCreationOptions.LongRunning);
        Assert.Equal(UffdWaitResult.EventsReady, uffd.Wait(10_000));
        Assert.Equal(CopyOutcome.Retry, uffd.Copy(memory.Address64 + (6 * Page), page).Outcome);
        Assert.Equal(CopyOutcome.Retry, uffd.ZeroPage(memory.Address64 + (7 * Page), Page).Outcome);

        Span<UffdEvent> events = stackalloc UffdEvent[4];
        Assert.Equal(1, uffd.ReadEvents(events));
        Assert.Equal(UffdEvent.Remove(memory.Address64, memory.Address64 + (4 * Page)), events[0]);
        Assert.True(advise.Wait(10_000));
        Assert.Equal(CopyResult.Copied(Page), uffd.Copy(memory.Address64 + (6 * Page), page));
        // The removed page faults again: serve it with a zero page.
        Assert.Equal(CopyResult.Copied(Page), uffd.ZeroPage(memory.Address64, Page));
        Assert.Equal(0, NativeAccess.ReadByte(memory.Address64));
    }

    [UffdFact]
    public void Many_queued_faults_are_read_in_one_call()
    {
        const int threads = 6;
        using var memory = MappedMemory.Anonymous(threads * Page);
        using var uffd = Uffd.Create();
        uffd.Register(memory.Address64, memory.Length, UffdRegisterMode.Missing);
        var readers = Enumerable.Range(0, threads)
            .Select(i => Task.Factory.StartNew(() => NativeAccess.ReadByte(memory.Address64 + ((ulong)i * Page)), TaskCreationOptions.LongRunning))
            .ToArray();
        var seen = new HashSet<ulong>();
        var events = new UffdEvent[64];
        var deadline = Environment.TickCount64 + 10_000;
        while (seen.Count < threads && Environment.TickCount64 < deadline)
        {
            if (uffd.Wait(1000) != UffdWaitResult.EventsReady)
            {
                continue;
            }
            var count = uffd.ReadEvents(events);
            for (var i = 0; i < count; i++)
            {
                seen.Add(events[i].Address & ~(Page - 1));
            }
        }
        Assert.Equal(threads, seen.Count);
        Assert.Equal(CopyResult.Copied(memory.Length), uffd.ZeroPage(memory.Address64, memory.Length));
        Assert.True(Task.WaitAll(readers, 10_000));
    }

    [UffdFact]
    public void Wait_times_out_and_is_interrupted_and_cancelled()
    {
        using var uffd = Uffd.Create();
        Assert.Equal(UffdWaitResult.TimedOut, uffd.Wait(10));
        uffd.Interrupt();
        Assert.Equal(UffdWaitResult.Woken, uffd.Wait(10_000));
        Assert.Equal(UffdWaitResult.TimedOut, uffd.Wait(0));
        using var cancel = new CancellationTokenSource(50);
        Assert.Equal(UffdWaitResult.Woken, uffd.Wait(10_000, cancel.Token));
    }

    [UffdFact]
    public void Register_outside_a_mapping_is_a_linux_error()
    {
        using var uffd = Uffd.Create();
        var error = Assert.Throws<LinuxException>(() => uffd.Register(0x1000, Page, UffdRegisterMode.Missing));
        Assert.Equal("UFFDIO_REGISTER", error.Call);
    }

    [UffdFact]
    public void Copy_after_the_range_is_unmapped_is_gone()
    {
        var memory = MappedMemory.Anonymous(2 * Page);
        using var uffd = Uffd.Create();
        uffd.Register(memory.Address64, memory.Length, UffdRegisterMode.Missing);
        var address = memory.Address64;
        memory.Dispose();
        Assert.Equal(CopyOutcome.Gone, uffd.Copy(address, new byte[Page]).Outcome);
    }
}

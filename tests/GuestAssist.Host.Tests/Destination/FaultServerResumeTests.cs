using System.Net.Sockets;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Source;
using GuestAssist.Host.Transfer;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Tests.Userfaultfd;

namespace GuestAssist.Host.Tests.Destination;

/// <summary>
/// The destination's one record of what it holds, with a real userfaultfd: frames the VMM removed (REMOVE events) and
/// frames zero-filled on fault while the page server was down are in the fault server's <see cref="FaultServer.Held"/>,
/// the post-copy client greets the restarted server with exactly that record, and the server sends only the rest.
/// </summary>
public sealed class FaultServerResumeTests : IDisposable
{
    private const ulong Page = TestVm.Page;
    private static readonly TransferSecret Secret = TransferSecret.Generate();

    private readonly string _directory = Directory.CreateTempSubdirectory("ga-resume-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [UffdFact]
    public void Removed_and_locally_zeroed_frames_are_in_the_resume_hello_and_never_sent()
    {
        using var vm = new TestVm();
        byte[] memory;
        using (var file = MappedMemory.MapFile(vm.File, vm.FileBytes))
        {
            memory = file.AsSpan(0, (int)vm.FileBytes).ToArray();
        }
        var endPoint = new UnixDomainSocketEndPoint(Path.Combine(_directory, "ps.sock"));
        var server = Start(memory, vm, endPoint, "1mbit");
        var removed = Enumerable.Range(40, 8).Select(g => (ulong)g).ToArray();
        var zeroed = Enumerable.Range(20, 4).Select(g => TestVm.Region1FirstGfn + (ulong)g).ToArray();
        var options = new PostCopyClientOptions
        {
            Secret = Secret,
            Recovery = new RecoveryOptions(TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100)),
        };
        var (faults, client) = FaultServer.Create(vm.Uffd, vm.Layout, s => new PostCopyClient(endPoint, vm.Layout, s, options));
        using var clientLifetime = client;
        faults.Start();
        var started = new ManualResetEventSlim();
        client.FramesInstalled += (_, _) =>
        {
            if (client.Held.Count >= 8)
            {
                started.Set();
            }
        };
        client.Start();
        Assert.True(started.Wait(TimeSpan.FromSeconds(20)), "the transfer should get going");
        server.Dispose();
        Assert.All(removed.Concat(zeroed), gfn => Assert.False(faults.Held.IsHeld(gfn), $"GFN {gfn} arrived before the outage: the test needs a slower link"));

        // While the page server is down: the VMM balloons frames out, and the guest touches frames proven free.
        MappedMemory.Advise(vm.Region0.Address + (nint)(removed[0] * Page), (ulong)removed.Length * Page, MemoryAdvice.DontNeed);
        Assert.True(SpinWait.SpinUntil(() => removed.All(faults.Held.IsRemoved), 10_000), "the fault server read the REMOVE");
        faults.MarkSkipped(zeroed[0], (ulong)zeroed.Length);
        foreach (var gfn in zeroed)
        {
            var touch = Task.Factory.StartNew(() => vm.Touch(gfn), TaskCreationOptions.LongRunning);
            Assert.True(touch.Wait(10_000));
            Assert.True(touch.Result.All(b => b == 0));
        }
        var heldAtResume = faults.Held.Snapshot();
        var heldCount = faults.Held.Count;
        ulong[]? resumeBitmap = null;
        using var restarted = Start(memory, vm, endPoint, "100mbit", bitmap => resumeBitmap ??= bitmap);

        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(30)));

        Assert.Equal(heldAtResume, resumeBitmap);
        var sent = restarted.Counters.Snapshot();
        // At most what was missing at the resume: frames still buffered on the dead connection may land after the
        // snapshot (the channel that reconnects first greets before the other has drained), and are then not sent again.
        Assert.InRange(sent.PagesSent + sent.ZeroPages, 1, (long)(vm.Layout.MemoryBytes / Page) - heldCount);
        Assert.Equal(0, client.Statistics().DuplicateDeliveries);
        Assert.Equal(0, faults.Statistics.AlreadyPresent);
        foreach (var gfn in TestVm.Frames)
        {
            var page = Task.Factory.StartNew(() => vm.Touch(gfn), TaskCreationOptions.LongRunning);
            Assert.True(page.Wait(10_000), $"GFN {gfn} faulted and was never served");
            var expected = removed.Contains(gfn) || zeroed.Contains(gfn) ? new byte[Page] : TestVm.Expected(gfn);
            Assert.True(expected.AsSpan().SequenceEqual(page.Result), $"GFN {gfn} differs");
        }
        faults.Dispose();
    }

    private static PageServer Start(byte[] memory, TestVm vm, UnixDomainSocketEndPoint endPoint, string link, Action<ulong[]?>? onSchedule = null)
    {
        var server = new PageServer(
            new ArrayPageSource(memory, vm.Layout),
            vm.Layout,
            bitmap =>
            {
                onSchedule?.Invoke(bitmap);
                return new AddressOrderSchedule(vm.Layout, bitmap);
            },
            new PageServerOptions { Secret = Secret, BatchPages = 1, Link = new TokenBucket(LinkRate.Parse(link), burstBytes: (long)Page) });
        server.Listen(endPoint);
        return server;
    }
}

using System.Diagnostics;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Measuring;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Userfaultfd;
using GuestAssist.Linux.Threading;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GuestAssist.Host.Destination;

/// <summary>
/// Serves userfaultfd page faults of a VM's memory on a dedicated thread and installs pages that arrive
/// from elsewhere (thread-safe <see cref="Install"/> and <see cref="ZeroFill"/>).
/// <para>
/// Per wake-up the thread reads every queued event before serving any fault, and applies REMOVE/UNMAP
/// ranges first: a removed frame later faults to a local zero page and is never installed from the
/// stream. A fault on a frame marked skipped (<see cref="MarkSkipped"/>) is zero-filled locally; any
/// other fault is asked for once through <see cref="IPageRequester.RequestUrgent"/> and its wait is
/// timed until the page is installed (<see cref="Blocktime"/>). The requester is wired at construction, so no fault
/// can arrive before there is somewhere to send it.
/// </para>
/// <para>
/// hugetlbfs (page size above the host's): UFFDIO_ZEROPAGE is refused there (EINVAL), so zero pages are installed
/// by UFFDIO_COPY from a zeroed buffer of one huge page.
/// </para>
/// <para>
/// Each frame is installed at most once: it is claimed in <see cref="Held"/> (the destination's one record of what
/// it holds, which a resumed transfer reports to the source) atomically before the copy.
/// EEXIST counts as done. EAGAIN means an event (usually a REMOVE) is pending: the server thread
/// drains events itself and retries; other threads wait for it to do so.
/// </para>
/// <para>
/// Installs never hold up event reading (a fault must not wait behind a 64-page background copy). The kernel keeps
/// copies off a range while its REMOVE is queued (EAGAIN) and, from 6.8, finishes in-flight copies before queueing
/// one; what is left is a copy that checked "not removed" before the server read a REMOVE and reached the kernel
/// after the VMM zapped the range. Each read of events is bracketed by a generation counter (odd while reading and
/// marking); a copy that saw the counter move rechecks its frames and writes zeros over any that were removed
/// meanwhile (process_vm_writev into the VM process), so a removed range never keeps old contents. That window is
/// microseconds after the VMM's madvise returned; a guest reuses ballooned memory only after another round trip
/// through the VMM.
/// </para>
/// </summary>
public sealed class FaultServer : IPageSink, IDisposable
{
    private const int EventBatch = 256;
    private const int MaxRetryWaitMilliseconds = 1;

    private readonly Userfaultfd _uffd;
    private readonly GuestMemoryLayout _layout;
    private readonly ILogger _logger;
    private readonly HeldFrames _held;
    private readonly AtomicBitmap _requested;
    private readonly AtomicBitmap _skipped;
    private readonly Dictionary<ulong, long> _pendingSince = [];
    private readonly Lock _pendingLock = new();
    private readonly ProcessMemory _target;
    private readonly Queue<UffdEvent> _faults = new();
    private readonly UffdEvent[] _events = new UffdEvent[EventBatch];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ulong _pageSize;
    private readonly IPageRequester _requester;
    private readonly MappedMemory? _zeroHugePage;
    private Thread? _thread;
    private volatile bool _stopping;
    private volatile bool _targetGone;
    private volatile bool _exited;
    private volatile int _serverThreadId = -1;
    private long _faultCount;
    private long _urgentRequests;
    private long _localZeroFills;
    private long _removeEvents;
    private long _pagesInstalled;
    private long _pagesZeroed;
    private long _alreadyPresent;
    private long _retries;
    private long _unknownFaults;
    private long _eventReads;
    private long _racedRemovalRepairs;

    /// <param name="uffd">The uffd the VM memory is registered with (MISSING mode); the server owns it from now on.</param>
    /// <param name="layout">The VM's layout, with host addresses of every region.</param>
    /// <param name="requester">Where non-local faults are sent (a requester that does not need the server).</param>
    /// <param name="logger">Optional diagnostics.</param>
    /// <param name="targetProcessId">The process whose memory the uffd covers (the VMM); 0 for this process.</param>
    public FaultServer(Userfaultfd uffd, GuestMemoryLayout layout, IPageRequester requester, ILogger? logger = null, int targetProcessId = 0)
        : this(uffd, layout, _ => requester, logger, targetProcessId)
    {
    }

    /// <param name="uffd">The uffd the VM memory is registered with (MISSING mode); the server owns it once constructed.</param>
    /// <param name="layout">The VM's layout, with host addresses of every region.</param>
    /// <param name="createRequester">
    /// Makes the requester non-local faults are sent to, given this server to install into. It runs last in the
    /// constructor: the server can already <see cref="Install"/> (a requester may start its transfer there), but its
    /// fault thread is not started yet. If it throws, so does the constructor, and the uffd stays the caller's.
    /// </param>
    /// <param name="logger">Optional diagnostics.</param>
    /// <param name="targetProcessId">The process whose memory the uffd covers (the VMM); 0 for this process.</param>
    public FaultServer(Userfaultfd uffd, GuestMemoryLayout layout, Func<FaultServer, IPageRequester> createRequester, ILogger? logger = null, int targetProcessId = 0)
    {
        ArgumentNullException.ThrowIfNull(createRequester);
        ArgumentNullException.ThrowIfNull(uffd);
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.Regions.Any(r => r.HostAddress == 0))
        {
            throw new LayoutException("a fault server needs the host address of every region");
        }
        _uffd = uffd;
        _layout = layout;
        _logger = logger ?? NullLogger.Instance;
        _pageSize = layout.PageSize;
        _held = new HeldFrames(layout.TotalFrames);
        _requested = new AtomicBitmap(layout.TotalFrames);
        _skipped = new AtomicBitmap(layout.TotalFrames);
        _target = new ProcessMemory(targetProcessId == 0 ? Environment.ProcessId : targetProcessId);
        _zeroHugePage = _pageSize > (ulong)Environment.SystemPageSize ? MappedMemory.Anonymous(_pageSize) : null;
        try
        {
            _requester = createRequester(this) ?? throw new ArgumentException("the requester factory returned null", nameof(createRequester));
        }
        catch
        {
            _zeroHugePage?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes a fault server and its requester together (e.g. a post-copy client that installs into the server) and
    /// returns both, typed.
    /// </summary>
    public static (FaultServer Server, TRequester Requester) Create<TRequester>(
        Userfaultfd uffd, GuestMemoryLayout layout, Func<FaultServer, TRequester> createRequester, ILogger? logger = null, int targetProcessId = 0)
        where TRequester : class, IPageRequester
    {
        ArgumentNullException.ThrowIfNull(createRequester);
        TRequester? requester = null;
        var server = new FaultServer(uffd, layout, s => requester = createRequester(s), logger, targetProcessId);
        return (server, requester!);
    }

    /// <summary>Where non-local faults are sent (wired at construction).</summary>
    public IPageRequester Requester => _requester;

    public GuestMemoryLayout Layout => _layout;

    /// <summary>Frames installed (or claimed for installation), zero-filled, or removed by the VMM: what a resumed transfer must not send again.</summary>
    public HeldFrames Held => _held;

    /// <summary>Fault wait times: fault read → page installed.</summary>
    public LatencyHistogram Blocktime { get; } = new();

    /// <summary>Completes when the server thread ends: stopped, or the VM is gone; faulted on an unexpected error.</summary>
    public Task Completion => _completion.Task;

    /// <summary>True once an install reported the target process or mapping gone.</summary>
    public bool TargetGone => _targetGone;

    /// <summary>True when every backed frame has been received.</summary>
    public bool IsComplete => (ulong)_held.Count >= _layout.MemoryBytes / _pageSize;

    public FaultServerStatistics Statistics => new(
        Interlocked.Read(ref _faultCount),
        Interlocked.Read(ref _urgentRequests),
        Interlocked.Read(ref _localZeroFills),
        Interlocked.Read(ref _removeEvents),
        Interlocked.Read(ref _pagesInstalled),
        Interlocked.Read(ref _pagesZeroed),
        Interlocked.Read(ref _alreadyPresent),
        Interlocked.Read(ref _retries),
        Interlocked.Read(ref _unknownFaults),
        Interlocked.Read(ref _racedRemovalRepairs));

    /// <summary>Test seam: runs between a copy's "not removed" check and its ioctl (to force the race with a REMOVE).</summary>
    internal Action<ulong>? BeforeCopy { get; set; }

    /// <summary>Frames requested urgently and not installed yet (to re-request after a reconnect).</summary>
    public ulong[] PendingFaults()
    {
        lock (_pendingLock)
        {
            return [.. _pendingSince.Keys];
        }
    }

    /// <summary>Marks frames the source skipped (proven free): a fault on one is answered with a local zero page.</summary>
    public void MarkSkipped(ulong firstGfn, ulong count)
    {
        CheckFrames(firstGfn, count);
        _skipped.SetRange(firstGfn, count);
    }

    public void Start()
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException("the fault server is already started");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "uffd-fault-server" };
        _thread.Start();
    }

    /// <summary>
    /// Ends the session with <paramref name="reason"/>: the page source can no longer serve (its outage deadline
    /// passed). <see cref="Completion"/> faults with it, so whoever runs the VMM can stop it rather than leave it hung.
    /// </summary>
    public void Abort(Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        _logger.LogError("page source failed, ending the session: {Reason}", reason.Message);
        _completion.TrySetException(reason);
        _stopping = true;
        _uffd.Interrupt();
    }

    /// <summary>Stops the server thread and waits for it.</summary>
    public void Stop()
    {
        _stopping = true;
        _uffd.Interrupt();
        if (_thread is { } thread && thread != Thread.CurrentThread)
        {
            thread.Join();
        }
    }

    /// <summary>
    /// Installs whole pages starting at <paramref name="firstGfn"/> (pages.Length a multiple of the page size)
    /// with batched UFFDIO_COPY; frames already held (received, zero-filled or removed) are left alone. Thread-safe.
    /// </summary>
    public unsafe InstallResult Install(ulong firstGfn, ReadOnlySpan<byte> pages)
    {
        if ((ulong)pages.Length % _pageSize != 0)
        {
            throw new ArgumentException($"{pages.Length} bytes is not a whole number of {_pageSize}-byte pages", nameof(pages));
        }
        var count = (ulong)pages.Length / _pageSize;
        CheckFrames(firstGfn, count);
        fixed (byte* source = pages)
        {
            // SAFETY: the span stays pinned while the synchronous copies read from it.
            return Fill(firstGfn, count, (ulong)source);
        }
    }

    /// <summary>Installs zero pages over [firstGfn, firstGfn+count) now (frames already held are left alone). Thread-safe.</summary>
    public InstallResult ZeroFill(ulong firstGfn, ulong count)
    {
        CheckFrames(firstGfn, count);
        return Fill(firstGfn, count, source: 0);
    }

    public void Dispose()
    {
        Stop();
        _uffd.Dispose();
        _zeroHugePage?.Dispose();
    }

    /// <summary>Installs runs of frames; source 0 means zero pages.</summary>
    private InstallResult Fill(ulong firstGfn, ulong count, ulong source)
    {
        ulong installed = 0, held = 0, present = 0;
        var i = 0UL;
        while (i < count)
        {
            if (_targetGone)
            {
                return new InstallResult(installed, held + (count - i), present, true);
            }
            if (!Claim(firstGfn + i))
            {
                held++;
                i++;
                continue;
            }
            var start = i++;
            var region = RegionIndexOf(firstGfn + start);
            while (i < count && RegionIndexOf(firstGfn + i) == region && Claim(firstGfn + i))
            {
                i++;
            }
            var run = i - start;
            var (done, removed, already) = InstallRun(firstGfn + start, run, source == 0 ? 0 : source + (start * _pageSize));
            installed += done;
            held += removed;
            present += already;
            CompletePending(firstGfn + start, run);
        }
        return new InstallResult(installed, held, present, _targetGone);
    }

    private bool Claim(ulong gfn) => _held.TryClaim(gfn);

    /// <summary>
    /// Copies a claimed run; falls back to page by page when the batch cannot go in whole. Returns the frames installed,
    /// those removed by the VMM meanwhile, and those the kernel already had (EEXIST).
    /// </summary>
    private (ulong Installed, ulong Removed, ulong AlreadyPresent) InstallRun(ulong firstGfn, ulong frames, ulong source)
    {
        var destination = _layout.HostAddressOf(firstGfn);
        var result = CopyUnlessRemoved(firstGfn, frames, destination, source, out var removed);
        if (!removed && result.Outcome == CopyOutcome.Copied)
        {
            Count(source, frames);
            return (frames, 0, 0);
        }
        if (!removed && result.Outcome == CopyOutcome.Gone)
        {
            MarkGone();
            return (0, 0, 0);
        }
        ulong installed = 0, removedMeanwhile = 0, already = 0;
        var first = 0UL;
        if (!removed && result.Outcome == CopyOutcome.Retry)
        {
            first = result.Bytes / _pageSize;
            installed = first;
            Count(source, first);
        }
        var retry = !removed && result.Outcome == CopyOutcome.Retry;
        for (var f = first; f < frames && !_targetGone; f++)
        {
            var gfn = firstGfn + f;
            while (true)
            {
                if (retry)
                {
                    Interlocked.Increment(ref _retries);
                    if (!AwaitEventsRead())
                    {
                        return (installed, removedMeanwhile, already);
                    }
                }
                var pageSource = source == 0 ? 0 : source + (f * _pageSize);
                result = CopyUnlessRemoved(gfn, 1, destination + (f * _pageSize), pageSource, out removed);
                retry = !removed && result.Outcome == CopyOutcome.Retry;
                if (removed)
                {
                    removedMeanwhile++;
                    break;
                }
                if (result.Outcome == CopyOutcome.Copied)
                {
                    Count(source, 1);
                    installed++;
                    break;
                }
                if (result.Outcome == CopyOutcome.AlreadyPresent)
                {
                    Interlocked.Increment(ref _alreadyPresent);
                    already++;
                    break;
                }
                if (result.Outcome == CopyOutcome.Gone)
                {
                    MarkGone();
                    return (installed, removedMeanwhile, already);
                }
            }
        }
        return (installed, removedMeanwhile, already);
    }

    /// <summary>
    /// One COPY/ZEROPAGE of claimed frames unless one of them was removed; when events were read meanwhile, zeroes any
    /// frame of the run that a REMOVE read during the copy covered (see the class remarks).
    /// </summary>
    private CopyResult CopyUnlessRemoved(ulong firstGfn, ulong frames, ulong destination, ulong source, out bool removed)
    {
        var generation = Volatile.Read(ref _eventReads);
        for (var gfn = firstGfn; gfn < firstGfn + frames; gfn++)
        {
            if (_held.IsRemoved(gfn))
            {
                removed = true;
                return default;
            }
        }
        removed = false;
        BeforeCopy?.Invoke(firstGfn);
        var length = frames * _pageSize;
        var result = source == 0 ? InstallZeros(destination, length) : _uffd.Copy(destination, source, length);
        if ((generation & 1) != 0 || Volatile.Read(ref _eventReads) != generation)
        {
            var landed = result.Outcome == CopyOutcome.Copied ? frames : Math.Min(frames, result.Bytes / _pageSize);
            ZeroRacedRemovals(firstGfn, landed, destination);
        }
        return result;
    }

    /// <summary>Writes zeros over frames in [firstGfn, firstGfn+count) that a REMOVE marked after their copy was checked.</summary>
    private void ZeroRacedRemovals(ulong firstGfn, ulong count, ulong destination)
    {
        var spin = new SpinWait();
        while ((Volatile.Read(ref _eventReads) & 1) != 0 && !_exited)
        {
            spin.SpinOnce();
        }
        byte[]? zeros = null;
        for (var f = 0UL; f < count; f++)
        {
            if (!_held.IsRemoved(firstGfn + f))
            {
                continue;
            }
            try
            {
                if (!_target.TryWrite(destination + (f * _pageSize), zeros ??= new byte[_pageSize]))
                {
                    MarkGone();
                    return;
                }
            }
            catch (LinuxException e) when (e.Errno == Errno.EFAULT)
            {
                // Unmapped (an UNMAP event, not a REMOVE): no memory is left to hold old contents.
                continue;
            }
            catch (LinuxException e)
            {
                // E.g. EPERM without ptrace access to the VMM: the frame keeps old contents the guest no longer owns.
                _logger.LogError("could not zero GFN 0x{Gfn:x} after a copy raced its REMOVE: {Error}", firstGfn + f, e.Message);
                continue;
            }
            Interlocked.Increment(ref _racedRemovalRepairs);
            _logger.LogInformation("zeroed GFN 0x{Gfn:x}: a copy landed after the VMM removed it", firstGfn + f);
        }
    }

    /// <summary>
    /// UFFDIO_ZEROPAGE over [destination, destination+length); on hugetlbfs, where ZEROPAGE is EINVAL, one UFFDIO_COPY
    /// per huge page from the zeroed buffer (a partial result reports the bytes done, as a partial ZEROPAGE does).
    /// </summary>
    private CopyResult InstallZeros(ulong destination, ulong length)
    {
        if (_zeroHugePage is not { } zeros)
        {
            return _uffd.ZeroPage(destination, length);
        }
        for (var done = 0UL; done < length; done += _pageSize)
        {
            var result = _uffd.Copy(destination + done, zeros.Address64, _pageSize);
            if (result.Outcome != CopyOutcome.Copied)
            {
                return done == 0 || result.Outcome == CopyOutcome.Gone ? result : CopyResult.Retry(done + result.Bytes);
            }
        }
        return CopyResult.Copied(length);
    }

    private void Count(ulong source, ulong frames)
    {
        if (source == 0)
        {
            Interlocked.Add(ref _pagesZeroed, (long)frames);
        }
        else
        {
            Interlocked.Add(ref _pagesInstalled, (long)frames);
        }
    }

    /// <summary>
    /// EAGAIN: an event is queued and must be read before installs can proceed. On the server thread read
    /// (and apply) it now; elsewhere give the server thread a moment. False when the server is stopping.
    /// </summary>
    private bool AwaitEventsRead()
    {
        if (Environment.CurrentManagedThreadId == _serverThreadId)
        {
            DrainEvents();
            return true;
        }
        if (_stopping || _exited)
        {
            return false;
        }
        Thread.Sleep(MaxRetryWaitMilliseconds);
        return true;
    }

    private void Run()
    {
        _serverThreadId = Environment.CurrentManagedThreadId;
        LatencyCriticalThread.Enter();
        try
        {
            while (!_stopping && !_targetGone)
            {
                var wait = _uffd.Wait(-1);
                if (wait == UffdWaitResult.Closed)
                {
                    break;
                }
                if (wait != UffdWaitResult.EventsReady)
                {
                    continue;
                }
                DrainEvents();
                while (_faults.Count > 0 && !_targetGone)
                {
                    ServeFault(_faults.Dequeue());
                }
            }
            _exited = true;
            _completion.TrySetResult();
        }
        catch (Exception e)
        {
            _exited = true;
            _logger.LogError(e, "uffd fault server failed");
            _completion.TrySetException(e);
        }
    }

    /// <summary>Reads every queued event; applies removals at once and queues faults to serve after them.</summary>
    private void DrainEvents()
    {
        // A read that did not fill the buffer emptied the queue (the kernel returns what is there without waiting):
        // skip the read that would only say EAGAIN, one system call less on every fault.
        while (DrainOnce() == EventBatch)
        {
        }
    }

    private int DrainOnce()
    {
        Interlocked.Increment(ref _eventReads);
        try
        {
            var read = _uffd.ReadEvents(_events);
            if (read == 0)
            {
                return 0;
            }
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < read; i++)
            {
                var e = _events[i];
                switch (e.Kind)
                {
                    case UffdEventKind.Pagefault:
                        Interlocked.Increment(ref _faultCount);
                        RecordFaultStart(e.Address, now);
                        _faults.Enqueue(e);
                        break;
                    case UffdEventKind.Remove:
                    case UffdEventKind.Unmap:
                        Interlocked.Increment(ref _removeEvents);
                        ApplyRemove(e.Start, e.End);
                        break;
                    case UffdEventKind.Fork:
                        new GuestAssist.Linux.FileDescriptorHandle(e.ForkFd).Dispose();
                        break;
                    default:
                        _logger.LogWarning("ignoring userfaultfd event {Event}", e.ToString());
                        break;
                }
            }
            return read;
        }
        finally
        {
            Interlocked.Increment(ref _eventReads);
        }
    }

    private void RecordFaultStart(ulong address, long now)
    {
        if (_layout.TryGetGfnOfHostAddress(address, out var gfn))
        {
            lock (_pendingLock)
            {
                _pendingSince.TryAdd(gfn, now);
            }
        }
    }

    /// <summary>Marks every frame in [start, end) removed: never installed from the stream, zero-filled on fault.</summary>
    private void ApplyRemove(ulong start, ulong end)
    {
        var page = start & ~(_pageSize - 1);
        while (page < end)
        {
            if (_layout.TryGetGfnOfHostAddress(page, out var gfn))
            {
                _held.MarkRemoved(gfn);
            }
            page += _pageSize;
        }
    }

    private void ServeFault(UffdEvent fault)
    {
        var page = fault.Address & ~(_pageSize - 1);
        if (!_layout.TryGetGfnOfHostAddress(page, out var gfn))
        {
            // Registered memory outside the layout: answer with zeros rather than leave a vCPU hung.
            Interlocked.Increment(ref _unknownFaults);
            _logger.LogWarning("fault at 0x{Address:x} is outside every region: zero-filling it", fault.Address);
            ZeroLocally(page);
            return;
        }
        if (_held.IsRemoved(gfn))
        {
            ZeroLocally(page);
            CompletePending(gfn, 1);
            return;
        }
        if (_skipped.IsSet(gfn))
        {
            if (_held.TryClaim(gfn))
            {
                ZeroLocally(page);
            }
            else
            {
                _uffd.Wake(page, _pageSize);
            }
            CompletePending(gfn, 1);
            return;
        }
        if (_held.IsHeld(gfn))
        {
            // Installed (or being installed) since the fault was queued: the copy wakes it; wake again in case.
            _uffd.Wake(page, _pageSize);
            CompletePending(gfn, 1);
            return;
        }
        if (_requested.TrySet(gfn))
        {
            Interlocked.Increment(ref _urgentRequests);
            _requester.RequestUrgent(gfn);
        }
    }

    private void ZeroLocally(ulong page)
    {
        while (true)
        {
            var result = InstallZeros(page, _pageSize);
            switch (result.Outcome)
            {
                case CopyOutcome.Copied:
                    Interlocked.Increment(ref _localZeroFills);
                    Interlocked.Increment(ref _pagesZeroed);
                    return;
                case CopyOutcome.AlreadyPresent:
                    Interlocked.Increment(ref _alreadyPresent);
                    return;
                case CopyOutcome.Gone:
                    MarkGone();
                    return;
                default:
                    Interlocked.Increment(ref _retries);
                    DrainEvents();
                    break;
            }
        }
    }

    private void CompletePending(ulong firstGfn, ulong count)
    {
        lock (_pendingLock)
        {
            if (_pendingSince.Count == 0)
            {
                return;
            }
            var now = Stopwatch.GetTimestamp();
            for (var gfn = firstGfn; gfn < firstGfn + count; gfn++)
            {
                if (_pendingSince.Remove(gfn, out var since))
                {
                    Blocktime.RecordStopwatchTicks(now - since);
                }
            }
        }
    }

    private void MarkGone()
    {
        if (!_targetGone)
        {
            _targetGone = true;
            _logger.LogInformation("the VM memory is gone (process exited or mapping removed)");
            _uffd.Interrupt();
        }
    }

    private int RegionIndexOf(ulong gfn) => _layout.TryGetRegion(gfn, out _, out var index) ? index : -1;

    private void CheckFrames(ulong firstGfn, ulong count)
    {
        for (var gfn = firstGfn; gfn < firstGfn + count; gfn += Math.Max(1, count - 1))
        {
            if (!_layout.IsBacked(gfn))
            {
                throw new ArgumentOutOfRangeException(nameof(firstGfn), $"GFN 0x{gfn:x} is not backed by any region");
            }
        }
    }
}

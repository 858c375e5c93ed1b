using GuestAssist.Host.Planning;

namespace GuestAssist.Host.Tests.Planning;

/// <summary>Drives a planner and records how every frame was handed out, failing on the first double hand-out.</summary>
internal sealed class PlannerDriver
{
    public const byte Sent = 1;
    public const byte Urgent = 2;
    public const byte ZeroFilled = 3;
    public const byte Marked = 4;

    private readonly ulong[] _buffer = new ulong[256];

    public PlannerDriver(ITransferPlan planner, ulong frames)
    {
        Planner = planner;
        HandedOut = new byte[frames + 512];
    }

    public ITransferPlan Planner { get; }

    /// <summary>How each frame left the plan (0 = not yet).</summary>
    public byte[] HandedOut { get; }

    /// <summary>Background frames in emission order.</summary>
    public List<ulong> Order { get; } = [];

    public int Batch(int size)
    {
        var n = Planner.NextBatch(_buffer.AsSpan(0, size));
        for (var i = 0; i < n; i++)
        {
            Record(_buffer[i], Sent);
            Order.Add(_buffer[i]);
        }
        return n;
    }

    public int ZeroFill(int size)
    {
        var n = Planner.TakeZeroFill(_buffer.AsSpan(0, size));
        for (var i = 0; i < n; i++)
        {
            Record(_buffer[i], ZeroFilled);
        }
        return n;
    }

    public FaultDisposition Fault(ulong gfn)
    {
        var disposition = Planner.OnDemandFault(gfn);
        if (disposition == FaultDisposition.SendNow)
        {
            Record(gfn, Urgent);
        }
        else if (disposition == FaultDisposition.AlreadyHandled)
        {
            Assert.True(gfn >= (ulong)HandedOut.Length || HandedOut[gfn] != 0 || WasReceived?.Invoke(gfn) == true, $"fault on GFN {gfn}: planner says already handled but it never was");
        }
        return disposition;
    }

    public Func<ulong, bool>? WasReceived { get; set; }

    public void TakeUrgent(ulong gfn)
    {
        if (Planner.TryTakeForUrgent(gfn))
        {
            Record(gfn, Urgent);
        }
    }

    public void MarkReceived(ulong gfn)
    {
        if (Planner.MarkReceived(gfn))
        {
            Record(gfn, Marked);
        }
    }

    public void Drain()
    {
        while (Batch(_buffer.Length) > 0 || ZeroFill(_buffer.Length) > 0)
        {
        }
    }

    private void Record(ulong gfn, byte how)
    {
        Assert.True(gfn < (ulong)HandedOut.Length, $"GFN {gfn} is far beyond the layout");
        Assert.True(HandedOut[gfn] == 0, $"GFN {gfn} handed out twice (first {HandedOut[gfn]}, now {how})");
        HandedOut[gfn] = how;
    }
}

using Google.Protobuf;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.Support;

/// <summary>Valid envelopes of every shape, the seed corpus for round trips and fuzzing.</summary>
internal static class SampleEnvelopes
{
    public static IReadOnlyList<Envelope> All()
    {
        var hello = new Hello { MinVersion = 1, MaxVersion = 3, Software = "guestassist-host 0.1" };
        hello.Capabilities.AddRange(Capabilities.All);
        var ack = new HelloAck { Version = 1, Software = "guestassist-agent 0.1" };
        ack.Capabilities.AddRange([Capabilities.MemoryMapV1, Capabilities.Heartbeat]);
        ack.MissingHere.Add("memory-map.v2");
        var chunk = new MemoryMapChunk
        {
            Epoch = new MapEpoch { Sequence = 7, GuestMonotonicNs = 123_456_789 },
            PageSize = 4096,
            TotalFrames = 6_291_456,
            ChunkIndex = 2,
            FirstGfn = 4096,
            EncodedRuns = ByteString.CopyFrom([1, 0x81, 0x80, 0x01, 0x23, 0x0C]),
            RunHeat = ByteString.CopyFrom([0, 200, 17, 255]),
            HeatMethod = HeatMethod.LruFlags,
        };
        chunk.RunOwner.AddRange([0, 1, 2, 1]);
        chunk.Owners.Add(new FrameOwner { Index = 0, Pid = 4242, Command = "postgres", Cgroup = "/system.slice/pg.service" });
        chunk.Owners.Add(new FrameOwner { Index = 1, Pid = 77, Command = "java" });
        var attribution = new DirtyAttribution { SessionId = 9, UnattributedFrames = 12 };
        attribution.Processes.Add(new ProcessDirtyRate { Pid = 4242, Command = "postgres", DirtyFrames = 100_000, BytesPerSecond = 1.5e9 });
        var status = new AgentStatus { Software = "agent", UptimeNs = 1, PageSize = 4096, RamFrames = 6_291_456, ThrottledProcesses = 2 };
        status.Capabilities.Add(Capabilities.ThrottleSigstop);
        status.Degraded.Add("idle-tracking missing: heat from LRU flags");
        var policy = new SetThrottlePolicy { SessionId = 3, Method = ThrottleMethod.SigstopDuty, PeriodMs = 100, MaxStopMs = 50 };
        policy.TargetPids.AddRange([10, 20, 30]);
        policy.ProtectedCommands.Add("sshd");
        var throttle = new ThrottleStatus { SessionId = 3, Active = true };
        throttle.Processes.Add(new ThrottledProcess { Pid = 10, Command = "dd", Duty = 0.5, DirtyBytesPerSecond = 4.9e9 });
        return
        [
            new Envelope { Id = 1, Hello = hello },
            new Envelope { Id = 2, ReplyTo = 1, HelloAck = ack },
            new Envelope { Id = 3, ReplyTo = 9, Error = new Error { Code = ErrorCode.NotFound, Message = "no such pid", Detail = "pid 5" } },
            new Envelope { Id = 4, ReplyTo = 3, Ack = new Ack() },
            new Envelope { Id = 5, GetStatus = new GetStatus() },
            new Envelope { Id = 6, ReplyTo = 5, AgentStatus = status },
            new Envelope { Id = 7, GetMemoryMap = new GetMemoryMap { IncludeHeat = true, IncludeOwners = true, MaxChunkBytes = 65536 } },
            new Envelope { Id = 8, ReplyTo = 7, MemoryMapChunk = chunk },
            new Envelope { Id = 9, BeginEviction = new BeginEviction { Mode = EvictionMode.PostCopy, LinkBytesPerSecond = 1_250_000_000, HeartbeatTimeoutMs = 3000 } },
            new Envelope { Id = 10, ReplyTo = 9, EvictionStarted = new EvictionStarted { SessionId = 9, Epoch = new MapEpoch { Sequence = 8 } } },
            new Envelope { Id = 11, DirtyFrames = new DirtyFrames { SessionId = 9, WindowNs = 1_000_000, FirstGfn = 0, EncodedRuns = ByteString.CopyFrom([1, 0x0C, 0x14]) } },
            new Envelope { Id = 12, ReplyTo = 11, DirtyAttribution = attribution },
            new Envelope { Id = 13, SetThrottlePolicy = policy },
            new Envelope { ThrottleStatus = throttle },
            new Envelope { Id = 14, ReleaseThrottle = new ReleaseThrottle { SessionId = 3 } },
            new Envelope { Heartbeat = new Heartbeat { Sequence = 99, MonotonicNs = 1_000_000_000 } },
            new Envelope { Id = 15, EndEviction = new EndEviction { SessionId = 9, Succeeded = true } },
            new Envelope { Id = 16, ReplyTo = 15, EvictionEnded = new EvictionEnded { SessionId = 9, ReleasedProcesses = 3 } },
            new Envelope(),
        ];
    }
}

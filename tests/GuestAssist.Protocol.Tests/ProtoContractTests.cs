using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests;

public class ProtoContractTests
{
    [Fact]
    public void Envelope_field_numbers_are_pinned()
    {
        // Field numbers are append-only: a renumbering breaks every deployed agent.
        Assert.Equal(1, Envelope.IdFieldNumber);
        Assert.Equal(2, Envelope.ReplyToFieldNumber);
        Assert.Equal(10, Envelope.HelloFieldNumber);
        Assert.Equal(12, Envelope.ErrorFieldNumber);
        Assert.Equal(31, Envelope.MemoryMapChunkFieldNumber);
        Assert.Equal(70, Envelope.HeartbeatFieldNumber);
    }
}

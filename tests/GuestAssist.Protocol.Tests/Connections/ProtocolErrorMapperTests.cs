using GuestAssist.Protocol.Connections;
using GuestAssist.Protocol.Framing;
using GuestAssist.Protocol.Handshake;
using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Tests.Connections;

public class ProtocolErrorMapperTests
{
    public static TheoryData<Exception, ErrorCode> Cases => new()
    {
        { new ProtocolException(ErrorCode.FrameTooLarge, "big"), ErrorCode.FrameTooLarge },
        { new ProtocolException(ErrorCode.Unspecified, "?"), ErrorCode.Internal },
        { new VersionMismatchException("no common version", new VersionRange(1, 1), new VersionRange(2, 2)), ErrorCode.VersionMismatch },
        { new RemoteErrorException(ErrorCode.Busy, "busy", ""), ErrorCode.Busy },
        { new OperationCanceledException(), ErrorCode.Cancelled },
        { new TimeoutException(), ErrorCode.Timeout },
        { new NotSupportedException(), ErrorCode.Unsupported },
        { new PlatformNotSupportedException(), ErrorCode.Unsupported },
        { new ArgumentOutOfRangeException("pid"), ErrorCode.InvalidArgument },
        { new UnauthorizedAccessException(), ErrorCode.PermissionDenied },
        { new FileNotFoundException("gone", "/proc/kpageflags"), ErrorCode.NotFound },
        { new KeyNotFoundException(), ErrorCode.NotFound },
        { new InvalidOperationException(), ErrorCode.Internal },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Exceptions_map_to_one_wire_code_each(Exception exception, ErrorCode expected)
    {
        var error = ProtocolErrorMapper.ToError(exception);
        Assert.Equal(expected, error.Code);
        Assert.Equal(exception.GetType().FullName, error.Detail);
    }

    [Fact]
    public void Messages_chain_inner_causes_once()
    {
        var ex = new InvalidOperationException("scan failed", new IOException("read /proc/kpageflags", new UnauthorizedAccessException("EACCES")));
        Assert.Equal("scan failed: read /proc/kpageflags: EACCES", ProtocolErrorMapper.ToError(ex).Message);
        var wrapped = new InvalidOperationException("outer: inner", new IOException("inner"));
        Assert.Equal("outer: inner", ProtocolErrorMapper.ChainedMessage(wrapped));
    }
}

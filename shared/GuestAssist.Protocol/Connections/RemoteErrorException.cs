using GuestAssist.Protocol.V1;

namespace GuestAssist.Protocol.Connections;

/// <summary>The peer answered a request with an <see cref="Error"/>.</summary>
public sealed class RemoteErrorException : Exception
{
    public RemoteErrorException(ErrorCode code, string remoteMessage, string detail, string? request = null)
        : base(FormatMessage(code, remoteMessage, detail, request))
    {
        Code = code;
        RemoteMessage = remoteMessage;
        Detail = detail;
    }

    public ErrorCode Code { get; }

    /// <summary>The peer's own message, without the prefix this side adds.</summary>
    public string RemoteMessage { get; }

    public string Detail { get; }

    public static RemoteErrorException FromError(Error error, string? request = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new RemoteErrorException(error.Code, error.Message, error.Detail, request);
    }

    private static string FormatMessage(ErrorCode code, string message, string detail, string? request)
    {
        var prefix = request is null ? "peer reported" : $"peer rejected {request}";
        return string.IsNullOrEmpty(detail)
            ? $"{prefix}: {code}: {message}"
            : $"{prefix}: {code}: {message} ({detail})";
    }
}

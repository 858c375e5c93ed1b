using System.Net;

namespace GuestAssist.Host.Vmm.Firecracker;

/// <summary>A Firecracker API call that failed: unreachable, silent, or refused with a status and Firecracker's own <c>fault_message</c>.</summary>
public sealed class FirecrackerApiException : VmmException
{
    public FirecrackerApiException(string message, HttpStatusCode statusCode, string? faultMessage, Exception? innerException = null)
        : base(message, innerException!)
    {
        StatusCode = statusCode;
        FaultMessage = faultMessage;
    }

    public FirecrackerApiException()
    {
    }

    public FirecrackerApiException(string message)
        : base(message)
    {
    }

    public FirecrackerApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status; 0 when no answer came.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Firecracker's explanation from the error body, when it gave one.</summary>
    public string? FaultMessage { get; }
}

using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Tests.Vsock;

/// <summary>A fact that needs socket(AF_VSOCK) to succeed (bind/listen only: tests never connect vsock).</summary>
public sealed class VsockFactAttribute : FactAttribute
{
    private static readonly string? MissingReason = Probe();

    public VsockFactAttribute()
    {
        if (MissingReason is not null)
        {
            Skip = MissingReason;
        }
    }

    private static string? Probe()
    {
        try
        {
            using var socket = VsockSocket.Create();
            return null;
        }
        catch (IOException error)
        {
            return $"AF_VSOCK unavailable: {error.Message}";
        }
    }
}

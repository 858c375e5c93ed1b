using GuestAssist.Linux.Vsock;

namespace GuestAssist.Linux.Tests.Vsock;

/// <summary>A fact that needs a readable /dev/vsock (present in vsock-capable guests; root to open).</summary>
public sealed class VsockDeviceFactAttribute : FactAttribute
{
    public VsockDeviceFactAttribute()
    {
        if (!File.Exists(VsockKernel.DevicePath))
        {
            Skip = $"{VsockKernel.DevicePath} does not exist";
        }
        else if (Environment.UserName != "root")
        {
            Skip = $"{VsockKernel.DevicePath} is root-only here and the tests do not run as root";
        }
    }
}

using GuestAssist.Linux.Errors;

namespace GuestAssist.Linux.Userfaultfd;

/// <summary>The kernel does not offer userfaultfd features the caller requires.</summary>
public sealed class UffdFeatureException : LinuxException
{
    public UffdFeatureException(UffdFeatures requested, UffdFeatures available)
        : base(Errno.EINVAL, "UFFDIO_API", detail: $"missing userfaultfd features: {requested & ~available} (requested {requested}, kernel offers {available})")
    {
        Requested = requested;
        Available = available;
    }

    public UffdFeatures Requested { get; }

    public UffdFeatures Available { get; }

    public UffdFeatures Missing => Requested & ~Available;
}

namespace GuestAssist.Linux.Interop;

/// <summary>Raw libc entry points, one file per call (Interop.&lt;Call&gt;.cs). Internal: use the safe wrappers.</summary>
internal static partial class Libc
{
    internal const string Name = "libc";
}

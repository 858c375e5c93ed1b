using System.Reflection;
using GuestAssist.Host.Destination;
using GuestAssist.Linux.Transports;
using GuestAssist.Protocol.PageMaps;

namespace GuestAssist.Host.Tests.PublicSurface;

/// <summary>
/// The packages' public surface is what integrators use, and growing it is a conscious act: every public type of
/// GuestAssist.Protocol, GuestAssist.Linux and GuestAssist.Host is listed in PublicSurface/&lt;assembly&gt;.txt, and a
/// type made public (or internal, or renamed) fails here until the list says so. To accept a change on purpose, run
/// with GUESTASSIST_UPDATE_PUBLIC_SURFACE=1 (the lists in the source tree are rewritten) and commit the diff.
/// </summary>
public sealed class PublicSurfaceTests
{
    private const string UpdateVariable = "GUESTASSIST_UPDATE_PUBLIC_SURFACE";

    public static TheoryData<string> Assemblies => ["GuestAssist.Protocol", "GuestAssist.Linux", "GuestAssist.Host"];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Public_types_are_exactly_the_committed_list(string assemblyName)
    {
        var actual = PublicTypes(Load(assemblyName));
        var listFile = Path.Combine(AppContext.BaseDirectory, "PublicSurface", assemblyName + ".txt");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllLines(SourceListPath(assemblyName), actual);
            return;
        }
        var expected = File.ReadAllLines(listFile).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        var added = actual.Except(expected, StringComparer.Ordinal).ToList();
        var removed = expected.Except(actual, StringComparer.Ordinal).ToList();
        Assert.True(
            added.Count == 0 && removed.Count == 0,
            $"{assemblyName}'s public surface changed: made public {Describe(added)}; no longer public {Describe(removed)}. "
            + $"Make it internal, or accept it: {UpdateVariable}=1 dotnet test --filter {nameof(PublicSurfaceTests)}, then commit PublicSurface/{assemblyName}.txt");
    }

    [Fact]
    public void Wire_and_interop_internals_stay_internal()
    {
        string[] internals =
        [
            "GuestAssist.Host.Transfer.ChannelHello",
            "GuestAssist.Host.Transfer.TransferStreamReader",
            "GuestAssist.Host.Destination.AtomicBitmap",
            "GuestAssist.Host.Firecracker.FirecrackerHandshake",
            "GuestAssist.Linux.Interop.Libc",
            "GuestAssist.Linux.Pagemap.PagemapScanner",
            "GuestAssist.Protocol.Framing.FrameCodec",
        ];
        var all = PublicTypes(Load("GuestAssist.Protocol")).Concat(PublicTypes(Load("GuestAssist.Linux"))).Concat(PublicTypes(Load("GuestAssist.Host"))).ToHashSet(StringComparer.Ordinal);
        Assert.All(internals, name => Assert.DoesNotContain(name, all));
    }

    private static Assembly Load(string name) => name switch
    {
        "GuestAssist.Protocol" => typeof(PageClassMap).Assembly,
        "GuestAssist.Linux" => typeof(TransportAddress).Assembly,
        "GuestAssist.Host" => typeof(FaultServer).Assembly,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a package of this repository"),
    };

    /// <summary>Every type visible outside its assembly (nested public types of public types too), by full name, sorted.</summary>
    private static List<string> PublicTypes(Assembly assembly) =>
        [.. assembly.GetExportedTypes().Select(t => t.FullName!.Replace('+', '.')).Order(StringComparer.Ordinal)];

    private static string Describe(List<string> names) => names.Count == 0 ? "none" : string.Join(", ", names);

    private static string SourceListPath(string assemblyName)
    {
        // bin/Release/net10.0 -> the test project's folder.
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GuestAssist.Host.Tests.csproj")))
        {
            directory = directory.Parent;
        }
        return directory is null
            ? throw new DirectoryNotFoundException("cannot find the GuestAssist.Host.Tests project above " + AppContext.BaseDirectory)
            : Path.Combine(directory.FullName, "PublicSurface", assemblyName + ".txt");
    }
}

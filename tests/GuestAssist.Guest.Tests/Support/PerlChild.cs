using System.Diagnostics;

namespace GuestAssist.Guest.Tests.Support;

/// <summary>A perl child that optionally fills a string of N bytes (touching every page), says "ready", and waits for stdin.</summary>
public sealed class PerlChild : IDisposable
{
    private readonly Process _process;

    public PerlChild(long bytes = 0)
    {
        var start = new ProcessStartInfo("perl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add("my $n = shift; my $x = 'a' x $n; $| = 1; print \"ready\\n\"; <STDIN>; print length($x), \"\\n\";");
        start.ArgumentList.Add(bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _process = Process.Start(start) ?? throw new InvalidOperationException("perl did not start");
        var line = _process.StandardOutput.ReadLine();
        if (line != "ready")
        {
            throw new InvalidOperationException($"perl child said '{line}' instead of ready");
        }
    }

    public int Pid => _process.Id;

    public static bool Available => File.Exists("/usr/bin/perl") || File.Exists("/bin/perl");

    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }
}

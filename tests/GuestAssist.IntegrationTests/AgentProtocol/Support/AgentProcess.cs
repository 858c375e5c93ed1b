using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using GuestAssist.Linux.Processes;
using GuestAssist.Linux.Transports;

namespace GuestAssist.IntegrationTests.AgentProtocol.Support;

/// <summary>
/// The agent binary (`guestassist-agent serve`) as its own process, so that it can be signalled and killed: on a
/// Unix socket in <see cref="TempDirectory"/> and, when asked, also on a loopback TCP port (a TCP peer can reset).
/// Its sentinel is its own executable, as in a real install. Its log is kept (the last lines) for failure messages.
/// Started under a parent that never reaps it, a killed agent stays a zombie until that parent exits.
/// </summary>
internal sealed partial class AgentProcess : IDisposable
{
    private const int LogLinesKept = 200;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _addressesExpected;
    private readonly List<TransportAddress> _addresses = [];
    private int? _agentPid;

    private AgentProcess(Process process, int addressesExpected)
    {
        _process = process;
        _addressesExpected = addressesExpected;
    }

    /// <summary>The agent's pid (not its non-reaping parent's).</summary>
    public int Pid => _agentPid ?? _process.Id;

    public UnixAddress Unix => _addresses.OfType<UnixAddress>().Single();

    /// <summary>The loopback TCP address the agent chose (null unless started with TCP).</summary>
    public TcpAddress? Tcp => _addresses.OfType<TcpAddress>().SingleOrDefault();

    /// <summary>The last lines it logged, newest last.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>Starts it and waits until it listens on every address (a port of 0 is the one it picked).</summary>
    public static async Task<AgentProcess> StartAsync(TempDirectory directory, string journalPath, bool alsoTcp = false, bool parentNeverReaps = false)
    {
        var agentPath = Path.Combine(AppContext.BaseDirectory, "guestassist-agent");
        var start = new ProcessStartInfo(parentNeverReaps ? "perl" : agentPath)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        if (parentNeverReaps)
        {
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add("defined(my $pid = fork) or die; if ($pid == 0) { exec @ARGV or die } sleep 3600;");
            start.ArgumentList.Add(agentPath);
        }
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--listen");
        start.ArgumentList.Add("unix:" + directory.PathOf("agent.sock"));
        if (alsoTcp)
        {
            start.ArgumentList.Add("--listen");
            start.ArgumentList.Add("tcp:127.0.0.1:0");
        }
        start.Environment["GUESTASSIST_THROTTLE_JOURNAL"] = journalPath;
        start.Environment["GUESTASSIST_DAMON"] = "off";
        // Not the agent's setting (it would warn about an unknown key): the chaos test's own.
        start.Environment.Remove(ThrottlingChaosTests.SeedVariable);
        var agent = new AgentProcess(Process.Start(start)!, alsoTcp ? 2 : 1);
        // Read both pipes to the end: an agent blocked on a full pipe would hold its throttles forever.
        agent._process.ErrorDataReceived += (_, e) => agent.Note(e.Data);
        agent._process.OutputDataReceived += (_, e) => agent.Note(e.Data);
        agent._process.BeginErrorReadLine();
        agent._process.BeginOutputReadLine();
        try
        {
            await agent._listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            agent.Dispose();
            throw new TimeoutException($"the agent did not listen within 30 s; it logged:\n{agent.Log}");
        }
        if (parentNeverReaps)
        {
            agent._agentPid = int.Parse(File.ReadAllText($"/proc/{agent._process.Id}/task/{agent._process.Id}/children").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        return agent;
    }

    public void Kill()
    {
        if (_agentPid is { } pid)
        {
            using var agent = Process.GetProcessById(pid);
            agent.Kill();
        }
        else
        {
            _process.Kill();
        }
    }

    public void Terminate() => ProcessSignals.Terminate(Pid);

    /// <summary>Waits for the process started (the non-reaping parent, when there is one).</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan within)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(within);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public int ExitCode => _process.ExitCode;

    public void Dispose()
    {
        if (_agentPid is not null)
        {
            try
            {
                Kill();
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                // Gone already (ArgumentException: no process has that pid).
            }
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private void Note(string? line)
    {
        if (line is null)
        {
            _listening.TrySetException(new InvalidOperationException($"the agent closed its output before listening; it logged:\n{Log}"));
            return;
        }
        _log.Enqueue(line);
        while (_log.Count > LogLinesKept && _log.TryDequeue(out _))
        {
        }
        if (ListeningLine().Match(line) is { Success: true } listening)
        {
            lock (_addresses)
            {
                _addresses.Add(TransportAddress.Parse(listening.Groups[1].Value));
                if (_addresses.Count == _addressesExpected)
                {
                    _listening.TrySetResult();
                }
            }
        }
    }

    [GeneratedRegex(@"Listening on (\S+)$")]
    private static partial Regex ListeningLine();
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using GuestAssist.Linux.Sockets;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Host.Tests.Support;

/// <summary>
/// A child "VM" process (the stand-in's dirty-child or balloon-child mode) that hands its memory's uffd over and
/// writes, drops (madvise DONTNEED) or reads pages on command.
/// </summary>
internal sealed class UffdChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Socket _connection;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;
    private readonly string _socketPath;

    /// <param name="kind">"dirty-child" (uffd for write tracking, unregistered) or "balloon-child" (uffd with EVENT_REMOVE, memory registered MISSING).</param>
    /// <param name="pages">Pages of anonymous memory the child maps.</param>
    public UffdChildProcess(string kind, ulong pages)
    {
        _socketPath = Path.Combine(Path.GetTempPath(), $"ga-child-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_socketPath));
        listener.Listen(1);
        _process = Start(kind, _socketPath, pages.ToString());
        var accept = listener.AcceptAsync();
        if (!accept.Wait(30_000))
        {
            _process.Kill();
            throw new TimeoutException($"the {kind} process did not connect");
        }
        _connection = accept.Result;
        ProcessId = PeerCredentials.Of(_connection).ProcessId;
        var buffer = new byte[256];
        var message = FdPassing.Receive(_connection, buffer, 30_000);
        var header = Encoding.ASCII.GetString(buffer, 0, message.Bytes).Trim().Split(' ');
        Address = ulong.Parse(header[0]);
        Length = ulong.Parse(header[1]);
        Uffd = Userfaultfd.Adopt(Assert.Single(message.Descriptors));
        var stream = new NetworkStream(_connection);
        _reader = new StreamReader(stream, Encoding.ASCII);
        _writer = new StreamWriter(stream, Encoding.ASCII) { AutoFlush = true };
    }

    public int ProcessId { get; }

    public ulong Address { get; }

    public ulong Length { get; }

    public Userfaultfd Uffd { get; }

    public static Process Start(params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "GuestAssist.FirecrackerStandIn.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        return Process.Start(info) ?? throw new InvalidOperationException("could not start the stand-in");
    }

    /// <summary>The child writes one byte into each page.</summary>
    public void Write(params ulong[] pages) => Assert.Equal("ok", Command($"w {string.Join(' ', pages)}"));

    /// <summary>The child madvise(DONTNEED)s pages [first, end); returns once madvise returned.</summary>
    public void Drop(ulong first, ulong end) => Assert.Equal("ok", Command($"r {first} {end}"));

    /// <summary>The child reads pages [first, end): each page's first 8 bytes, or null for an all-zero page.</summary>
    public ulong?[] Read(ulong first, ulong end) =>
        [.. (Command($"c {first} {end}") ?? throw new IOException("the child process closed its connection")).Split(' ').Select(head => head == "z" ? (ulong?)null : Convert.ToUInt64(head, 16))];

    private string? Command(string line)
    {
        _writer.WriteLine(line);
        return _reader.ReadLine();
    }

    public void Dispose()
    {
        try
        {
            _writer.WriteLine("q");
        }
        catch (IOException)
        {
            // Already gone.
        }
        if (!_process.WaitForExit(10_000))
        {
            _process.Kill();
        }
        _process.Dispose();
        _connection.Dispose();
        File.Delete(_socketPath);
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using GuestAssist.Linux.Sockets;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Host.Tests.DirtyLog;

/// <summary>A child process (the stand-in's dirty-child mode) that hands its uffd over and writes pages on command.</summary>
internal sealed class UffdWriteTrackerChild : IDisposable
{
    private readonly Process _process;
    private readonly Socket _connection;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;
    private readonly string _socketPath;

    public UffdWriteTrackerChild(ulong pages)
    {
        _socketPath = Path.Combine(Path.GetTempPath(), $"ga-dirty-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_socketPath));
        listener.Listen(1);
        _process = Start("dirty-child", _socketPath, pages.ToString());
        var accept = listener.AcceptAsync();
        if (!accept.Wait(30_000))
        {
            _process.Kill();
            throw new TimeoutException("the dirty-child process did not connect");
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

    public void Write(params ulong[] pages)
    {
        _writer.WriteLine($"w {string.Join(' ', pages)}");
        Assert.Equal("ok", _reader.ReadLine());
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

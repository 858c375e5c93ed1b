using System.Net.Sockets;
using System.Text;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Sockets;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.FirecrackerStandIn;

/// <summary>
/// A "source VM" for cross-process dirty tracking: maps memory, creates a uffd with WP_ASYNC|WP_UNPOPULATED,
/// sends "address length\n" with the uffd to the tracker, then writes the pages it is told to:
/// "w 3 17 40\n" → writes one byte into each page, answers "ok\n"; "q\n" → exits.
/// </summary>
internal static class DirtyChild
{
    private const ulong Page = 4096;

    public static int Run(string socketPath, ulong pages)
    {
        using var memory = MappedMemory.Anonymous(pages * Page);
        using var uffd = Userfaultfd.Create(UffdFeatures.WpAsync | UffdFeatures.WpUnpopulated);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        FdPassing.Send(socket, Encoding.ASCII.GetBytes($"{memory.Address64} {memory.Length}\n"), [uffd.Handle]);
        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var writer = new StreamWriter(stream, Encoding.ASCII) { AutoFlush = true };
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0] == "q")
            {
                return 0;
            }
            foreach (var page in parts.Skip(1).Select(ulong.Parse))
            {
                memory.AsSpan(page * Page, 1)[0]++;
            }
            writer.WriteLine("ok");
        }
        return 0;
    }
}

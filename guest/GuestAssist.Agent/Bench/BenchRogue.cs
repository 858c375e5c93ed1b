using System.Net.Sockets;
using System.Text;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Sockets;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.Agent.Bench;

/// <summary>
/// The throttle benchmark's rogue: dirties every page of a buffer in a loop, as fast as it can, after handing the
/// benchmark a userfaultfd (WP_ASYNC) over that buffer so the benchmark measures the dirty rate exactly, as a host's
/// dirty log would (PAGEMAP_SCAN), without trusting anything the rogue says.
/// </summary>
internal static class BenchRogue
{
    public static int Run(string socketPath, ulong mib)
    {
        using var memory = MappedMemory.Anonymous(mib << 20);
        using var uffd = Userfaultfd.Create(UffdFeatures.WpAsync | UffdFeatures.WpUnpopulated);
        using (var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            FdPassing.Send(socket, Encoding.ASCII.GetBytes($"{memory.Address64} {memory.Length}\n"), [uffd.Handle]);
            socket.Receive(new byte[1]); // the benchmark has registered the range
        }
        var pages = memory.Length / 4096;
        byte value = 0;
        while (true)
        {
            value++;
            for (ulong page = 0; page < pages; page++)
            {
                memory.AsSpan(page * 4096, 1)[0] = value;
            }
        }
    }
}

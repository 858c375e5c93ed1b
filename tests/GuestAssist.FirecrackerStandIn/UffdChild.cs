using System.Net.Sockets;
using System.Text;
using GuestAssist.Linux.Memory;
using GuestAssist.Linux.Sockets;
using GuestAssist.Linux.Userfaultfd;

namespace GuestAssist.FirecrackerStandIn;

/// <summary>
/// A VM process that hands its memory's uffd to another process, then acts on commands:
/// "dirty-child": a source VM for cross-process dirty tracking (uffd with WP_ASYNC|WP_UNPOPULATED, the caller registers);
/// "balloon-child": a destination VM (uffd with EVENT_REMOVE, memory registered MISSING, served by the caller).
/// Sends "address length\n" with the uffd; then "w 3 17\n" writes one byte into each page, "r 4 8\n" madvise(DONTNEED)s
/// pages [4, 8) as a balloon would, "c 0 16\n" reads pages [0, 16) and answers their first 8 bytes each (hex, "z" for an
/// all-zero page); every command but "q" (exit) is answered on one line.
/// </summary>
internal static class UffdChild
{
    private const ulong Page = 4096;

    public static int Run(string kind, string socketPath, ulong pages)
    {
        var balloon = kind == "balloon-child";
        using var memory = MappedMemory.Anonymous(pages * Page);
        using var uffd = balloon
            ? Userfaultfd.Create(UffdFeatures.EventRemove)
            : Userfaultfd.Create(UffdFeatures.WpAsync | UffdFeatures.WpUnpopulated);
        if (balloon)
        {
            uffd.Register(memory.Address64, memory.Length, UffdRegisterMode.Missing);
        }
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
            var numbers = parts.Skip(1).Select(ulong.Parse).ToArray();
            switch (parts[0])
            {
                case "w":
                    foreach (var page in numbers)
                    {
                        memory.AsSpan(page * Page, 1)[0]++;
                    }
                    writer.WriteLine("ok");
                    break;
                case "r":
                    memory.Advise(numbers[0] * Page, (numbers[1] - numbers[0]) * Page, MemoryAdvice.DontNeed);
                    writer.WriteLine("ok");
                    break;
                case "c":
                    var heads = new List<string>();
                    for (var page = numbers[0]; page < numbers[1]; page++)
                    {
                        var bytes = memory.AsSpan(page * Page, (int)Page);
                        heads.Add(bytes.IndexOfAnyExcept((byte)0) < 0 ? "z" : BitConverter.ToUInt64(bytes).ToString("x"));
                    }
                    writer.WriteLine(string.Join(' ', heads));
                    break;
                default:
                    writer.WriteLine($"unknown command {parts[0]}");
                    break;
            }
        }
        return 0;
    }
}

using System.Net.Sockets;
using System.Runtime.InteropServices;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;

namespace GuestAssist.Linux.Sockets;

/// <summary>Sends and receives file descriptors with SCM_RIGHTS over a connected Unix stream socket.</summary>
internal static class FdPassing
{
    /// <summary>Most descriptors carried by one message (the kernel's SCM_MAX_FD is 253).</summary>
    public const int MaxDescriptors = 16;

    private const int MsgNoSignal = 0x4000;
    private const int MsgTrunc = 0x20;
    private const int MsgCtrunc = 0x8;
    private const int MsgCmsgCloexec = 0x40000000;
    private const int HeaderSize = 16;

    /// <summary>Bytes of control buffer for <paramref name="count"/> descriptors (CMSG_SPACE).</summary>
    internal static int ControlSpace(int count) => HeaderSize + Align8(count * sizeof(int));

    /// <summary>
    /// Sends <paramref name="payload"/> (at least one byte) with <paramref name="descriptors"/> attached.
    /// Returns the payload bytes sent (the descriptors travel with the first byte).
    /// </summary>
    public static unsafe int Send(Socket socket, ReadOnlySpan<byte> payload, ReadOnlySpan<SafeHandle> descriptors)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (payload.IsEmpty)
        {
            throw new ArgumentException("SCM_RIGHTS needs at least one payload byte", nameof(payload));
        }
        if (descriptors.Length > MaxDescriptors)
        {
            throw new ArgumentException($"at most {MaxDescriptors} descriptors per message", nameof(descriptors));
        }
        var refs = new bool[descriptors.Length];
        try
        {
            var control = stackalloc byte[ControlSpace(MaxDescriptors)];
            var controlLength = 0;
            if (!descriptors.IsEmpty)
            {
                controlLength = ControlSpace(descriptors.Length);
                // SAFETY: the header and descriptor array fit in the stack buffer sized for MaxDescriptors (CMSG_SPACE).
                new Span<byte>(control, controlLength).Clear();
                var header = (ControlMessageHeader*)control;
                header->Length = (nuint)(HeaderSize + (descriptors.Length * sizeof(int)));
                header->Level = ControlMessageHeader.SolSocket;
                header->Type = ControlMessageHeader.ScmRights;
                var fds = (int*)(control + HeaderSize);
                for (var i = 0; i < descriptors.Length; i++)
                {
                    // Raw numbers inside the control message: each one is kept open (not reused) until sendmsg is done.
                    descriptors[i].DangerousAddRef(ref refs[i]);
                    fds[i] = (int)descriptors[i].DangerousGetHandle();
                }
            }
            fixed (byte* data = payload)
            {
                var vector = new IoVector { Base = data, Length = (nuint)payload.Length };
                var message = new MessageHeader
                {
                    Vectors = &vector,
                    VectorCount = 1,
                    Control = controlLength == 0 ? null : control,
                    ControlLength = (nuint)controlLength,
                };
                // SAFETY: msghdr, iovec and the control buffer live on this frame; the payload is pinned.
                var sent = Libc.SendMsg(socket.SafeHandle, &message, MsgNoSignal);
                if (sent < 0)
                {
                    LinuxException.ThrowLast("sendmsg", "SCM_RIGHTS");
                }
                return (int)sent;
            }
        }
        finally
        {
            for (var i = 0; i < refs.Length; i++)
            {
                if (refs[i])
                {
                    descriptors[i].DangerousRelease();
                }
            }
        }
    }

    /// <summary>
    /// Receives one message into <paramref name="buffer"/>, waiting at most <paramref name="timeoutMilliseconds"/>
    /// (-1: forever). Descriptors arrive close-on-exec and are owned by the caller.
    /// </summary>
    /// <exception cref="TimeoutException">Nothing arrived in time.</exception>
    public static unsafe ReceivedMessage Receive(Socket socket, Span<byte> buffer, int timeoutMilliseconds = -1)
    {
        ArgumentNullException.ThrowIfNull(socket);
        WaitReadable(socket.SafeHandle, timeoutMilliseconds);
        var controlLength = ControlSpace(MaxDescriptors);
        var control = stackalloc byte[controlLength];
        // SAFETY: clears exactly the stack buffer just allocated.
        new Span<byte>(control, controlLength).Clear();
        fixed (byte* data = buffer)
        {
            var vector = new IoVector { Base = data, Length = (nuint)buffer.Length };
            var message = new MessageHeader
            {
                Vectors = &vector,
                VectorCount = 1,
                Control = control,
                ControlLength = (nuint)controlLength,
            };
            // SAFETY: msghdr, iovec and the control buffer live on this frame; the buffer is pinned.
            var received = Libc.RecvMsg(socket.SafeHandle, &message, MsgCmsgCloexec);
            if (received < 0)
            {
                LinuxException.ThrowLast("recvmsg", "SCM_RIGHTS");
            }
            var descriptors = ParseDescriptors(control, (int)message.ControlLength);
            return new ReceivedMessage((int)received, descriptors, (message.Flags & MsgTrunc) != 0, (message.Flags & MsgCtrunc) != 0);
        }
    }

    private static unsafe List<FileDescriptorHandle> ParseDescriptors(byte* control, int length)
    {
        var result = new List<FileDescriptorHandle>();
        var offset = 0;
        while (offset + HeaderSize <= length)
        {
            // SAFETY: offset + header size is within the control bytes the kernel reported.
            var header = (ControlMessageHeader*)(control + offset);
            var messageLength = (int)header->Length;
            if (messageLength < HeaderSize || offset + messageLength > length)
            {
                break;
            }
            if (header->Level == ControlMessageHeader.SolSocket && header->Type == ControlMessageHeader.ScmRights)
            {
                var count = (messageLength - HeaderSize) / sizeof(int);
                var fds = (int*)(control + offset + HeaderSize);
                for (var i = 0; i < count; i++)
                {
                    result.Add(new FileDescriptorHandle(fds[i]));
                }
            }
            offset += Align8(messageLength);
        }
        return result;
    }

    private static void WaitReadable(SafeHandle socket, int timeoutMilliseconds)
    {
        var rc = Libc.PollOne(socket, PollFd.In, timeoutMilliseconds);
        if (rc < 0)
        {
            LinuxException.ThrowLast("poll", "SCM_RIGHTS socket");
        }
        if (rc == 0)
        {
            throw new TimeoutException($"no message within {timeoutMilliseconds} ms");
        }
    }

    private static int Align8(int value) => (value + 7) & ~7;
}

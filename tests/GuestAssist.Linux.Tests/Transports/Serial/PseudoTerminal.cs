using System.Text;
using GuestAssist.Linux.Errors;
using GuestAssist.Linux.Interop;
using Microsoft.Win32.SafeHandles;

namespace GuestAssist.Linux.Tests.Transports.Serial;

/// <summary>
/// A pty pair standing in for a virtio-serial port: the terminal side is the "device" the guest
/// opens by path, the controller side plays the host's chardev.
/// </summary>
public sealed class PseudoTerminal : IDisposable
{
    private readonly FileDescriptorHandle terminal;

    private PseudoTerminal(FileStream controller, FileDescriptorHandle terminal, string terminalPath)
    {
        Controller = controller;
        this.terminal = terminal;
        TerminalPath = terminalPath;
    }

    public FileStream Controller { get; }

    public string TerminalPath { get; }

    public static unsafe PseudoTerminal Open()
    {
        int controller;
        int terminal;
        var name = stackalloc byte[4096];
        // SAFETY: openpty writes two fds to this frame and a NUL-terminated name of at most PATH_MAX (4096) bytes.
        if (Libc.OpenPty(&controller, &terminal, name, null, null) < 0)
        {
            LinuxException.ThrowLast("openpty");
        }

        var nameBytes = new ReadOnlySpan<byte>(name, 4096);
        var path = Encoding.UTF8.GetString(nameBytes[..nameBytes.IndexOf((byte)0)]);
        // The original terminal fd stays open so closing the stream under test never hangs the pty up.
        var controllerStream = new FileStream(new SafeFileHandle(controller, ownsHandle: true), FileAccess.ReadWrite, bufferSize: 0);
        return new PseudoTerminal(controllerStream, new FileDescriptorHandle(terminal), path);
    }

    public void Dispose()
    {
        Controller.Dispose();
        terminal.Dispose();
    }
}

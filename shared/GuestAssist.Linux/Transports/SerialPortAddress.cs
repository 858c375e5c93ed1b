namespace GuestAssist.Linux.Transports;

/// <summary><c>serial:/dev/virtio-ports/name</c> — a virtio-serial port (any character device works).</summary>
internal sealed record SerialPortAddress(string DevicePath) : TransportAddress
{
    public override string ToString() => $"serial:{DevicePath}";
}

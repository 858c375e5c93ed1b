using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GuestAssist.Host.Destination;
using GuestAssist.Host.Layout;
using GuestAssist.Host.Source;
using GuestAssist.Host.Tests.Destination;
using GuestAssist.Host.Transfer;

namespace GuestAssist.Host.Tests.Transfer;

/// <summary>
/// TLS on the page path over real TCP on loopback: every page arrives through it, a destination that does not trust
/// the server's certificate fails at once with the reason (no outage to wait out), and a TLS destination against a
/// plain server does not hang.
/// </summary>
public sealed class TransferTlsTests : IDisposable
{
    private const int PageSize = 4096;
    private static readonly GuestMemoryLayout Layout = new([new MemoryRegion(0, 1024UL * PageSize, 0)]);
    private static readonly TransferSecret Secret = TransferSecret.Generate();

    private readonly string _directory = Directory.CreateTempSubdirectory("ga-tls-").FullName;
    private readonly byte[] _memory = Pattern();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Every_page_arrives_over_TLS_with_a_certificate_from_PEM_files()
    {
        var (certificate, key) = WritePem("page-server", out var rootPem);
        using var server = Start(TransferTls.ServerFromPemFiles(certificate, key), out var endPoint);
        var sink = new MemoryPageSink(Layout);
        using var client = new PostCopyClient(endPoint, Layout, sink, new PostCopyClientOptions { Secret = Secret, Tls = TransferTls.ClientFromPemFile(rootPem) });
        client.Start();

        Assert.True(client.WaitForCompletion(TimeSpan.FromSeconds(30)));
        Assert.True(_memory.AsSpan().SequenceEqual(sink.File), "every page identical through TLS");
    }

    [Fact]
    public void A_destination_that_does_not_trust_the_certificate_is_refused_at_once_with_the_reason()
    {
        var (certificate, key) = WritePem("page-server", out _);
        WritePem("someone-else", out var otherRoot);
        using var server = Start(TransferTls.ServerFromPemFiles(certificate, key), out var endPoint);
        var options = new PostCopyClientOptions { Secret = Secret, Tls = TransferTls.ClientFromPemFile(otherRoot), ConnectDeadline = TimeSpan.FromSeconds(30) };
        using var client = new PostCopyClient(endPoint, Layout, new MemoryPageSink(Layout), options);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = Assert.ThrowsAny<Exception>(client.Start);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"refused after {watch.Elapsed}: an untrusted certificate is not an outage");
        Assert.Contains("CN=page-server", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("does not chain to a trusted root", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_TLS_destination_against_a_plain_page_server_fails_at_once()
    {
        WritePem("page-server", out var root);
        using var server = Start(null, out var endPoint);
        using var client = new PostCopyClient(endPoint, Layout, new MemoryPageSink(Layout), new PostCopyClientOptions { Secret = Secret, Tls = TransferTls.ClientFromPemFile(root) });
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var error = Assert.ThrowsAny<Exception>(client.Start);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Contains("TLS with the page server failed", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_certificate_without_its_key_cannot_serve()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var withKey = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var publicOnly = X509CertificateLoader.LoadCertificate(withKey.RawData);
        Assert.Throws<ArgumentException>(() => TransferTls.ForServer(publicOnly));
        Assert.Throws<IOException>(() => TransferTls.ServerFromPemFiles(Path.Combine(_directory, "missing.pem"), Path.Combine(_directory, "missing.key")));
    }

    /// <summary>A self-signed certificate (its own root) as PEM files: certificate, key, and the root to trust.</summary>
    private (string Certificate, string Key) WritePem(string name, out string root)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(_directory, name + ".pem");
        var keyPath = Path.Combine(_directory, name + ".key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        root = certificatePath;
        return (certificatePath, keyPath);
    }

    private PageServer Start(TransferTls? tls, out EndPoint endPoint)
    {
        var server = new PageServer(
            new ArrayPageSource(_memory, Layout),
            Layout,
            bitmap => new AddressOrderSchedule(Layout, bitmap),
            new PageServerOptions { Secret = Secret, Tls = tls, BatchPages = 16 });
        server.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        endPoint = server.LocalEndPoint!;
        return server;
    }

    private static byte[] Pattern()
    {
        var memory = new byte[Layout.FileBytes];
        new Random(5).NextBytes(memory);
        return memory;
    }
}

using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace GuestAssist.Host.Transfer;

/// <summary>
/// TLS for the page transfer, for integrators who want the VM's memory encrypted on the wire: the page server
/// presents <see cref="ServerCertificate"/>, the destination accepts it only when it chains to one of
/// <see cref="TrustedRoots"/> (a per-migration self-signed certificate is its own root). TLS 1.3 (1.2 at least).
/// The secret's challenge–response still runs inside the TLS channel, so both ends are authenticated either way.
/// </summary>
public sealed class TransferTls
{
    private TransferTls(X509Certificate2? serverCertificate, X509Certificate2Collection? trustedRoots)
    {
        ServerCertificate = serverCertificate;
        TrustedRoots = trustedRoots;
    }

    /// <summary>The page server's certificate with its private key (server side).</summary>
    public X509Certificate2? ServerCertificate { get; }

    /// <summary>The roots the destination trusts (client side).</summary>
    public X509Certificate2Collection? TrustedRoots { get; }

    public static TransferTls ForServer(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"the page server's certificate {certificate.Subject} has no private key", nameof(certificate));
        }
        return new TransferTls(certificate, null);
    }

    public static TransferTls ForClient(X509Certificate2Collection trustedRoots)
    {
        ArgumentNullException.ThrowIfNull(trustedRoots);
        if (trustedRoots.Count == 0)
        {
            throw new ArgumentException("a destination needs at least one trusted root for the page server's certificate", nameof(trustedRoots));
        }
        return new TransferTls(null, trustedRoots);
    }

    /// <summary>The server side from PEM files (certificate chain, private key); a missing or bad file is one line.</summary>
    public static TransferTls ServerFromPemFiles(string certificatePath, string keyPath)
    {
        try
        {
            using var loaded = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // An ephemeral PEM key cannot be used by SslStream on Linux until it is round-tripped through PKCS#12.
            return ForServer(X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null));
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new IOException($"cannot load the TLS certificate {certificatePath} with key {keyPath}: {e.Message}", e);
        }
    }

    /// <summary>The client side from a PEM file of trusted roots.</summary>
    public static TransferTls ClientFromPemFile(string trustedRootsPath)
    {
        try
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(trustedRootsPath);
            return ForClient(roots);
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new IOException($"cannot load trusted TLS roots from {trustedRootsPath}: {e.Message}", e);
        }
    }

    internal SslStream AuthenticateAsServer(Stream transport)
    {
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false);
        try
        {
            ssl.AuthenticateAsServer(new SslServerAuthenticationOptions
            {
                ServerCertificate = ServerCertificate ?? throw new InvalidOperationException("TLS options for a destination cannot serve"),
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateRequired = false,
            });
            return ssl;
        }
        catch
        {
            ssl.Dispose();
            throw;
        }
    }

    internal SslStream AuthenticateAsClient(Stream transport, string serverName)
    {
        var roots = TrustedRoots ?? throw new InvalidOperationException("TLS options for a page server cannot connect");
        string? refusal = null;
        var ssl = new SslStream(transport, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            refusal = Validate(certificate, roots);
            return refusal is null;
        });
        try
        {
            ssl.AuthenticateAsClient(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            });
            return ssl;
        }
        catch (AuthenticationException e)
        {
            ssl.Dispose();
            throw new TransferTlsException($"TLS with the page server failed: {refusal ?? e.Message}", e);
        }
        catch
        {
            ssl.Dispose();
            throw;
        }
    }

    /// <summary>Null when the certificate chains to one of the roots; otherwise why not.</summary>
    private static string? Validate(X509Certificate? presented, X509Certificate2Collection roots)
    {
        if (presented is null)
        {
            return "the page server presented no certificate";
        }
        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate))
        {
            return null;
        }
        var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status));
        return $"the page server's certificate {certificate.Subject} does not chain to a trusted root ({status})";
    }
}

using System.Security.Cryptography;
using System.Text;

namespace GuestAssist.Host.Transfer;

/// <summary>
/// The challenge–response on every channel. The source opens with a fresh 32-byte nonce; the destination
/// answers with its own nonce and HMAC(secret, "GAPT2 destination" ‖ source nonce ‖ destination nonce ‖ hello);
/// the source's reply carries HMAC(secret, "GAPT2 source" ‖ destination nonce ‖ source nonce ‖ status). Both
/// nonces are fresh per connection, so a recorded exchange replayed on a new connection does not verify, and
/// the labels keep one side's proof from serving as the other's.
/// </summary>
internal static class ChannelAuthentication
{
    public const int NonceBytes = 32;

    public const int MacBytes = 32;

    /// <summary>Destination nonce plus its MAC, between the hello and its bitmap.</summary>
    public const int ProofBytes = NonceBytes + MacBytes;

    private static readonly byte[] DestinationLabel = Encoding.ASCII.GetBytes("GAPT2 destination");
    private static readonly byte[] SourceLabel = Encoding.ASCII.GetBytes("GAPT2 source");

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceBytes);

    /// <summary>The destination's proof: its nonce, then the MAC (zeros without a secret).</summary>
    public static byte[] DestinationProof(TransferSecret? secret, ReadOnlySpan<byte> sourceNonce, ReadOnlySpan<byte> helloFixed)
    {
        var proof = new byte[ProofBytes];
        RandomNumberGenerator.Fill(proof.AsSpan(0, NonceBytes));
        secret?.Mac(Concat(DestinationLabel, sourceNonce, proof.AsSpan(0, NonceBytes), helloFixed)).CopyTo(proof.AsSpan(NonceBytes));
        return proof;
    }

    public static bool VerifyDestination(TransferSecret secret, ReadOnlySpan<byte> sourceNonce, ReadOnlySpan<byte> proof, ReadOnlySpan<byte> helloFixed)
    {
        var expected = secret.Mac(Concat(DestinationLabel, sourceNonce, proof[..NonceBytes], helloFixed));
        return CryptographicOperations.FixedTimeEquals(expected, proof.Slice(NonceBytes, MacBytes));
    }

    public static byte[] SourceMac(TransferSecret? secret, ReadOnlySpan<byte> destinationNonce, ReadOnlySpan<byte> sourceNonce, HelloStatus status) =>
        secret?.Mac(Concat(SourceLabel, destinationNonce, sourceNonce, [(byte)status])) ?? new byte[MacBytes];

    public static bool VerifySource(TransferSecret secret, ReadOnlySpan<byte> destinationNonce, ReadOnlySpan<byte> sourceNonce, HelloStatus status, ReadOnlySpan<byte> mac) =>
        CryptographicOperations.FixedTimeEquals(SourceMac(secret, destinationNonce, sourceNonce, status), mac);

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, ReadOnlySpan<byte> d)
    {
        var all = new byte[a.Length + b.Length + c.Length + d.Length];
        a.CopyTo(all);
        b.CopyTo(all.AsSpan(a.Length));
        c.CopyTo(all.AsSpan(a.Length + b.Length));
        d.CopyTo(all.AsSpan(a.Length + b.Length + c.Length));
        return all;
    }
}

using System.Security.Cryptography;
using SecAgg.Participant.Client;

namespace SecAgg.Participant.Tests.Client;

public sealed class ShareEnvelopeTests
{
    [Fact]
    public void SealingTheSameShareTwiceGivesTheSameBytesAndTheRecipientOpensIt()
    {
        using var sender = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var recipient = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        byte[] share = RandomNumberGenerator.GetBytes(4096);
        byte[] recipientKey = recipient.PublicKey.ExportSubjectPublicKeyInfo();
        byte[] senderKey = sender.PublicKey.ExportSubjectPublicKeyInfo();

        // A participant restarted mid-relay re-seals the same (deterministically dealt) share: identical bytes, so the
        // aggregator's exactly-once relay acknowledges the repeat instead of refusing a "different" blob.
        byte[] a = ShareEnvelope.Seal(sender, recipientKey, 1, "hospital-a", "hospital-b", share);
        byte[] b = ShareEnvelope.Seal(sender, recipientKey, 1, "hospital-a", "hospital-b", share);
        Assert.Equal(a, b);
        Assert.Equal(share, ShareEnvelope.Open(recipient, senderKey, 1, "hospital-a", "hospital-b", a));

        // Another plaintext under the same key gets another nonce (no GCM nonce reuse).
        byte[] other = (byte[])share.Clone();
        other[0] ^= 1;
        byte[] c = ShareEnvelope.Seal(sender, recipientKey, 1, "hospital-a", "hospital-b", other);
        Assert.False(a.AsSpan(0, 12).SequenceEqual(c.AsSpan(0, 12)));

        // Bound to (epoch, sender, recipient): opened under other ids it fails authentication.
        Assert.Throws<InvalidDataException>(() => ShareEnvelope.Open(recipient, senderKey, 2, "hospital-a", "hospital-b", a));
        a[20] ^= 1;
        Assert.Throws<InvalidDataException>(() => ShareEnvelope.Open(recipient, senderKey, 1, "hospital-a", "hospital-b", a));
    }
}

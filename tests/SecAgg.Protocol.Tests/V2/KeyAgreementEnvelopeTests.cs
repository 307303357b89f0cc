using System.Security.Cryptography;
using System.Text;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Tests.V2;

public sealed class KeyAgreementEnvelopeTests
{
    private sealed class JoinedEpoch : IDisposable
    {
        public JoinedEpoch(TestConsortium tc, ulong epoch)
        {
            Beacons = [.. tc.Ids.Select(id => EpochSeedBeacon.Create(tc.NewRoster(), tc.Signer(id), id, epoch))];
            SignedStatement[] commits = [.. Beacons.Select(b => b.CreateCommit())];
            foreach (EpochSeedBeacon b in Beacons)
            {
                b.VerifyCommits(commits);
            }

            Envelopes = [.. Beacons.Select(b => b.CreateEnvelope())];
            States = [.. Beacons.Select(b => b.ExportState())];
        }

        public EpochSeedBeacon[] Beacons { get; }

        public KeyAgreementEnvelope[] Envelopes { get; }

        public byte[][] States { get; }

        public void Dispose()
        {
            foreach (IDisposable d in Envelopes.Cast<IDisposable>().Concat(Beacons))
            {
                d.Dispose();
            }
        }
    }

    private static readonly byte[] Share = Encoding.ASCII.GetBytes("f_1(2): a Shamir share of s_1 for hospital-2");

    [Fact]
    public void ASealedShareOpensForItsRecipientAndMatchesTheDocumentedConstruction()
    {
        using TestConsortium tc = TestConsortium.Create();
        using var epoch = new JoinedEpoch(tc, 4);
        byte[] blob = epoch.Envelopes[0].Seal("hospital-2", Share);
        Assert.Equal(Share, epoch.Envelopes[1].Open("hospital-1", blob));

        // Independent reference from the dealer's exported key and the recipient's committed public key.
        using ECDiffieHellman dealer = ImportKey(epoch.States[0], "hospital-1");
        using var recipient = ECDiffieHellman.Create();
        recipient.ImportSubjectPublicKeyInfo(EpochCommit.Parse(epoch.Beacons[1].CreateCommit().Statement.Span).KeyAgreementPublicKey.Span, out _);
        byte[] shared = dealer.DeriveRawSecretAgreement(recipient.PublicKey);
        byte[] context = [.. "secagg/v2/share-envelope"u8.ToArray(), .. tc.Digest, .. BitConverter.GetBytes(4UL),
            .. BitConverter.GetBytes((ushort)10), .. "hospital-1"u8.ToArray(), .. BitConverter.GetBytes((ushort)10), .. "hospital-2"u8.ToArray()];
        byte[] keys = HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 64, "secagg/v2/share-envelope/salt"u8.ToArray(), context);
        byte[] nonce = HMACSHA256.HashData(keys[32..], Share)[..12];
        byte[] ciphertext = new byte[Share.Length];
        byte[] tag = new byte[16];
        using (var gcm = new AesGcm(keys[..32], 16))
        {
            gcm.Encrypt(nonce, Share, ciphertext, tag, context);
        }

        Assert.Equal([.. nonce, .. ciphertext, .. tag], blob);
    }

    [Fact]
    public void SealingTheSameShareAgainGivesTheSameBytesAndAnotherShareAnotherNonce()
    {
        using TestConsortium tc = TestConsortium.Create();
        using var epoch = new JoinedEpoch(tc, 1);
        byte[] a = epoch.Envelopes[0].Seal("hospital-2", Share);
        Assert.Equal(a, epoch.Envelopes[0].Seal("hospital-2", Share));
        byte[] other = [.. Share];
        other[0] ^= 1;
        Assert.NotEqual(a[..12], epoch.Envelopes[0].Seal("hospital-2", other)[..12]);
        Assert.Equal(Share, epoch.Envelopes[0].Open("hospital-1", epoch.Envelopes[0].Seal("hospital-1", Share)));
    }

    [Fact]
    public void HostileBlobForwardedToAnotherRecipientDoesNotOpen()
    {
        using TestConsortium tc = TestConsortium.Create();
        using var epoch = new JoinedEpoch(tc, 1);
        byte[] blob = epoch.Envelopes[0].Seal("hospital-2", Share);
        byte[]? opened = null;
        var e = Assert.Throws<KeyEpochException>(() => opened = epoch.Envelopes[2].Open("hospital-1", blob));
        Assert.Equal("hospital-1", e.ParticipantId);
        Assert.Contains("The share envelope from dealer 'hospital-1' to 'hospital-3'", e.Message, StringComparison.Ordinal);
        Assert.Null(opened);
    }

    [Fact]
    public void HostileBlobPresentedAsFromAnotherDealerDoesNotOpen()
    {
        using TestConsortium tc = TestConsortium.Create();
        using var epoch = new JoinedEpoch(tc, 1);
        byte[] blob = epoch.Envelopes[0].Seal("hospital-2", Share);
        var e = Assert.Throws<KeyEpochException>(() => epoch.Envelopes[1].Open("hospital-3", blob));
        Assert.Equal("hospital-3", e.ParticipantId);
        Assert.Contains("dealer 'hospital-3'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostileBlobFromAnotherEpochDoesNotOpen()
    {
        using TestConsortium tc = TestConsortium.Create();
        using var epoch1 = new JoinedEpoch(tc, 1);
        using var epoch2 = new JoinedEpoch(tc, 2);
        byte[] old = epoch1.Envelopes[0].Seal("hospital-2", Share);
        Assert.Throws<KeyEpochException>(() => epoch2.Envelopes[1].Open("hospital-1", old));

        // Even under the same key-agreement keys, the epoch in the AAD and the key derivation refuses it.
        IReadOnlyList<EpochCommit> commits = epoch1.Beacons[1].VerifyCommits([.. epoch1.Beacons.Select(b => b.CreateCommit())]);
        using var sameKeysOtherEpoch = new KeyAgreementEnvelope(tc.Descriptor, 2, "hospital-2", ImportKey(epoch1.States[1], "hospital-2"), commits);
        var e = Assert.Throws<KeyEpochException>(() => sameKeysOtherEpoch.Open("hospital-1", old));
        Assert.Contains("in epoch 2 does not open", e.Message, StringComparison.Ordinal);
        using var sameKeysSameEpoch = new KeyAgreementEnvelope(tc.Descriptor, 1, "hospital-2", ImportKey(epoch1.States[1], "hospital-2"), commits);
        Assert.Equal(Share, sameKeysSameEpoch.Open("hospital-1", old));
    }

    [Fact]
    public void HostileAlteredBlobDoesNotOpen()
    {
        using TestConsortium tc = TestConsortium.Create();
        using var epoch = new JoinedEpoch(tc, 1);
        byte[] blob = epoch.Envelopes[0].Seal("hospital-2", Share);
        foreach (int at in new[] { 0, 12, blob.Length - 1 })
        {
            byte[] altered = [.. blob];
            altered[at] ^= 1;
            Assert.Throws<KeyEpochException>(() => epoch.Envelopes[1].Open("hospital-1", altered));
        }

        Assert.Throws<KeyEpochException>(() => epoch.Envelopes[1].Open("hospital-1", blob[..27]));
    }

    /// <summary>The key-agreement private key inside a beacon state (layout in EpochSeedBeacon.ExportState).</summary>
    private static ECDiffieHellman ImportKey(byte[] state, string id)
    {
        byte[] rest = state[(47 + id.Length + 32)..];
        var key = ECDiffieHellman.Create();
        key.ImportPkcs8PrivateKey(rest.AsSpan(2, BitConverter.ToUInt16(rest)), out _);
        return key;
    }
}

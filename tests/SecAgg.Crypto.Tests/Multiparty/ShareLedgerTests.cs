using SecAgg.Crypto.Multiparty;

namespace SecAgg.Crypto.Tests.Multiparty;

public sealed class ShareLedgerTests : IDisposable
{
    private static readonly MultipartyParameters P = MultipartyParameters.CreateInsecureForTests(3, 2, ringDegree: 64);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "secagg-ledger-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void RepeatedRequestReturnsTheFirstShareAcrossARestart()
    {
        var f = new MultipartyFixture(P, "guard-restart");
        (CompactCiphertext ct, ulong[] expected) = f.EncryptAndSum(2);
        DecryptionSecret s1 = DecryptionSecret.ForAllParties(f.Secrets[0]);
        byte[] first = new DecryptionShareGuard(P, new FileShareLedger(_dir)).GetOrCreateShare(s1, ct);

        // "Restart": new ledger and guard objects over the same directory; the aggregator re-sends the ciphertext.
        CompactCiphertext again = CompactCiphertext.Deserialize(P, ct.Serialize());
        byte[] second = new DecryptionShareGuard(P, new FileShareLedger(_dir)).GetOrCreateShare(s1, again);
        Assert.Equal(first, second);

        // Fresh generation would have produced different bytes (new flooding): the guard is what kept them equal.
        var proto = new DecryptionShareProtocol(P);
        DecryptionShare fresh = proto.AllocateShare();
        proto.GenerateShare(s1, ct, fresh);
        Assert.NotEqual(first, fresh.Serialize());

        // And the recorded share still decrypts correctly with the others.
        DecryptionShare agg = DecryptionShare.Deserialize(P, second);
        foreach (PartySecret s in f.Secrets.Skip(1))
        {
            DecryptionShare h = proto.AllocateShare();
            proto.GenerateShare(DecryptionSecret.ForAllParties(s), ct, h);
            proto.AggregateShares(agg, h, agg);
        }

        Assert.Equal(expected, proto.Finalize(ct, agg));
    }

    [Fact]
    public void SameCiphertextWithAnotherDecryptionSetIsRefused()
    {
        var f = new MultipartyFixture(P, "guard-set");
        ThresholdSecretShare[] shares = f.DealThreshold();
        (CompactCiphertext ct, _) = f.EncryptAndSum(1);
        var guard = new DecryptionShareGuard(P, new FileShareLedger(_dir));
        guard.GetOrCreateShare(new Combiner(P, [1, 2]).GetDecryptionSecret(shares[0]), ct);
        var ex = Assert.Throws<ShareAlreadyIssuedException>(() => guard.GetOrCreateShare(new Combiner(P, [1, 3]).GetDecryptionSecret(shares[0]), ct));
        Assert.Contains("{1, 2}", ex.Message);
    }

    [Fact]
    public void GuardRefusesAnUnderstatedSummandCount()
    {
        var f = new MultipartyFixture(P, "guard-count");
        (CompactCiphertext ct, _) = f.EncryptAndSum(3);
        var ledger = new InMemoryShareLedger();
        var guard = new DecryptionShareGuard(P, ledger);
        DecryptionSecret s1 = DecryptionSecret.ForAllParties(f.Secrets[0]);
        Assert.Throws<ArgumentException>(() => guard.GetOrCreateShare(s1, ct, expectedSummands: 2));
        Assert.False(ledger.TryGet(ct.ShareDigest(), out _)); // nothing was released
        Assert.NotEmpty(guard.GetOrCreateShare(s1, ct, expectedSummands: 3));
    }

    [Fact]
    public void LedgerFilesAreOwnerOnlyAndLeaveNoTemporaries()
    {
        var ledger = new FileShareLedger(_dir);
        byte[] digest = new byte[32];
        digest[0] = 1;
        ledger.Record(digest, [1, 2, 3]);
        string[] files = Directory.GetFiles(_dir);
        Assert.Single(files);
        Assert.EndsWith(".share", files[0]);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(files[0]));
        }

        Assert.True(new FileShareLedger(_dir).TryGet(digest, out byte[]? back));
        Assert.Equal([1, 2, 3], back);
        ledger.Record(digest, [1, 2, 3]); // idempotent
        Assert.Throws<ShareAlreadyIssuedException>(() => ledger.Record(digest, [9]));
        digest[0] = 2;
        Assert.False(ledger.TryGet(digest, out _));
    }

    [Fact]
    public void CorruptedLedgerFilesAreRejected()
    {
        var ledger = new FileShareLedger(_dir);
        byte[] digest = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        ledger.Record(digest, [5, 6, 7, 8]);
        string path = Directory.GetFiles(_dir)[0];
        byte[] content = File.ReadAllBytes(path);
        content[^34] ^= 1; // a share byte
        File.WriteAllBytes(path, content);
        Assert.Throws<InvalidDataException>(() => ledger.TryGet(digest, out _));
        File.WriteAllBytes(path, content.AsSpan(0, 20).ToArray());
        Assert.Throws<InvalidDataException>(() => ledger.TryGet(digest, out _));
        Assert.Throws<ArgumentException>(() => ledger.TryGet(new byte[31], out _));
    }
}

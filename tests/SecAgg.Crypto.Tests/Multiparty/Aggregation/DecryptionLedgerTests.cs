using SecAgg.Crypto.Multiparty;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

public sealed class DecryptionLedgerTests : IDisposable
{
    private static readonly AggregationParameters P = AggregationParameters.CreateInsecureForTests(4, 2, maxColluders: 1, shareCap: 3);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "secagg-v2-ledger-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void TheSameSessionTwiceGetsTheSameBytesAcrossARestart()
    {
        var f = new AggregationFixture(P, "ledger-restart");
        RoundPolynomial a = f.A(3);
        (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
        SetDecryptionSession session = f.Session(3, [1, 2, 4], [1, 3]);
        using SessionKeyShare key = f.Protocol.PrepareSession(f.KeyShares[0], session);
        byte[] first = f.Protocol.GetOrCreateShare(new FileDecryptionLedger(_dir, P), key, a);

        // "Restart": new ledger and session objects over the same directory.
        SetDecryptionSession again = f.Session(3, [4, 2, 1], [3, 1]);
        using SessionKeyShare key2 = f.Protocol.PrepareSession(f.KeyShares[0], again);
        var ledger = new FileDecryptionLedger(_dir, P);
        ledger.CheckSession(again);
        int generated = 0;
        byte[] second = ledger.GetOrCreate(again, 0, () => { generated++; return [1]; });
        Assert.Equal(first, second);
        Assert.Equal(0, generated);
        Assert.Equal(1, ledger.IssuedCount(7));

        // Fresh generation gives other bytes (new flooding): the ledger is what kept them equal.
        SetDecryptionShare fresh = f.Protocol.AllocateShare();
        f.Protocol.GenerateShare(key, a, fresh);
        Assert.NotEqual(first, fresh.Serialize());

        // The recorded share decrypts with the other member's.
        SetDecryptionShare aggregate = SetDecryptionShare.Deserialize(P, second);
        f.Protocol.AggregateShares(aggregate, f.Answer(session, a, [3]), aggregate);
        Assert.Equal(f.ExpectedSum(session.Uploaders, values), f.Protocol.Finalize(session, AggregationFixture.Sum(session.Uploaders, uploads), aggregate));
    }

    [Fact]
    public void AnotherSessionForTheSameRoundIsRefusedBeforeAnythingIsComputed()
    {
        var ledger = new FileDecryptionLedger(_dir, P);
        SetDecryptionSession first = new(P, 7, 3, 2, [1, 2, 4], [1, 3]);
        ledger.GetOrCreate(first, 0, () => [1, 2, 3]);
        int generated = 0;
        Func<byte[]> create = () => { generated++; return [9]; };
        SetDecryptionSession[] others =
        [
            new(P, 7, 3, 2, [1, 2, 4], [1, 2]), // another D
            new(P, 7, 3, 2, [1, 2], [1, 3]), // another U
            new(P, 7, 3, 3, [1, 2, 4], [1, 3]), // another chunk count
        ];
        foreach (SetDecryptionSession other in others)
        {
            var ex = Assert.Throws<ShareAlreadyIssuedException>(() => ledger.GetOrCreate(other, 0, create));
            Assert.Contains("round 3 of epoch 7", ex.Message);
            Assert.Throws<ShareAlreadyIssuedException>(() => ledger.GetOrCreate(other, 1, create)); // another chunk of the round too
            Assert.Throws<ShareAlreadyIssuedException>(() => new FileDecryptionLedger(_dir, P).CheckSession(other));
        }

        Assert.Equal(0, generated);
        Assert.Equal([1, 2, 3], ledger.GetOrCreate(first, 0, create));
        ledger.GetOrCreate(new SetDecryptionSession(P, 7, 4, 1, [1, 2], [1, 2]), 0, create); // another round is fine
        ledger.GetOrCreate(new SetDecryptionSession(P, 8, 3, 1, [1, 2], [1, 2]), 0, create); // so is another epoch
        Assert.Equal(2, generated);
        AggregationParameters otherParameters = AggregationParameters.CreateInsecureForTests(4, 2, maxColluders: 1, shareCap: 1000);
        Assert.Throws<ArgumentException>(() => ledger.GetOrCreate(new SetDecryptionSession(otherParameters, 7, 9, 1, [1], [1, 2]), 0, create));
    }

    [Fact]
    public void TheShareCapIsEnforcedPerEpochAcrossRestarts()
    {
        var ledger = new FileDecryptionLedger(_dir, P);
        for (ulong round = 1; round <= 3; round++)
        {
            ledger.GetOrCreate(new SetDecryptionSession(P, 7, round, 1, [1], [1, 2]), 0, () => [1]);
        }

        var fourth = new SetDecryptionSession(P, 7, 4, 1, [1], [1, 2]);
        var ex = Assert.Throws<ShareBudgetExhaustedException>(() => ledger.GetOrCreate(fourth, 0, () => [1]));
        Assert.Contains("Start a new key epoch", ex.Message);
        Assert.Throws<ShareBudgetExhaustedException>(() => new FileDecryptionLedger(_dir, P).GetOrCreate(fourth, 0, () => [1]));
        Assert.Throws<ShareBudgetExhaustedException>(() => new FileDecryptionLedger(_dir, P).CheckSession(fourth));
        Assert.Equal(3, new FileDecryptionLedger(_dir, P).IssuedCount(7));

        // A session whose chunks would not all fit is refused up front; one already answered passes.
        var fresh = new FileDecryptionLedger(_dir, P);
        var twoChunks = new SetDecryptionSession(P, 8, 1, 2, [1], [1, 2]);
        fresh.GetOrCreate(twoChunks, 0, () => [1]);
        fresh.GetOrCreate(twoChunks, 1, () => [1]);
        fresh.CheckSession(twoChunks);
        Assert.Throws<ShareBudgetExhaustedException>(() => fresh.CheckSession(new SetDecryptionSession(P, 8, 2, 2, [1], [1, 2])));
        fresh.CheckSession(new SetDecryptionSession(P, 8, 2, 1, [1], [1, 2]));
    }

    [Fact]
    public void ACorruptedOrMovedEntryIsDetected()
    {
        var session = new SetDecryptionSession(P, 7, 5, 2, [1, 2], [1, 2]);
        new FileDecryptionLedger(_dir, P).GetOrCreate(session, 0, () => [1, 2, 3, 4]);
        string file = Path.Combine(_dir, "epoch-7", "r5-c0.share");
        byte[] original = File.ReadAllBytes(file);

        byte[] flipped = (byte[])original.Clone();
        flipped[^40] ^= 1;
        File.WriteAllBytes(file, flipped);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => new FileDecryptionLedger(_dir, P).GetOrCreate(session, 0, () => [9])).Message);

        File.WriteAllBytes(file, original[..20]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => new FileDecryptionLedger(_dir, P).GetOrCreate(session, 0, () => [9])).Message);

        File.Delete(file);
        File.WriteAllBytes(Path.Combine(_dir, "epoch-7", "r5-c1.share"), original);
        Assert.Contains("than its name", Assert.Throws<InvalidDataException>(() => new FileDecryptionLedger(_dir, P).GetOrCreate(session, 1, () => [9])).Message);
    }

    [Fact]
    public void AnEntryIsTheDocumentedRecordByteForByte()
    {
        var session = new SetDecryptionSession(P, 7, 5, 2, [1, 2], [1, 2]);
        byte[] share = [.. Enumerable.Range(0, 1000).Select(i => (byte)(i * 7))];
        new FileDecryptionLedger(_dir, P).GetOrCreate(session, 1, () => share);

        // "SADL" | 1 | epoch | round | chunk | session digest | length | share | SHA-256 of everything before, built here by hand.
        var expected = new List<byte>();
        expected.AddRange("SADL"u8.ToArray());
        expected.Add(1);
        expected.AddRange(BitConverter.GetBytes(7UL));
        expected.AddRange(BitConverter.GetBytes(5UL));
        expected.AddRange(BitConverter.GetBytes(1));
        expected.AddRange(session.Digest.ToArray());
        expected.AddRange(BitConverter.GetBytes(share.Length));
        expected.AddRange(share);
        expected.AddRange(System.Security.Cryptography.SHA256.HashData([.. expected]));
        Assert.Equal([.. expected], File.ReadAllBytes(Path.Combine(_dir, "epoch-7", "r5-c1.share")));
    }

    [Fact]
    public void ALaterChunkOfAnotherSessionIsRefusedByTheLedgerThatRecordedTheFirst()
    {
        var ledger = new FileDecryptionLedger(_dir, P);
        ledger.GetOrCreate(new SetDecryptionSession(P, 7, 3, 2, [1, 2, 4], [1, 3]), 0, () => [1, 2, 3]);
        int generated = 0;
        var other = new SetDecryptionSession(P, 7, 3, 2, [1, 2, 4], [1, 2]);
        Assert.Throws<ShareAlreadyIssuedException>(() => ledger.GetOrCreate(other, 1, () => { generated++; return [9]; }));
        Assert.Throws<ShareAlreadyIssuedException>(() => ledger.CheckSession(other));
        Assert.Throws<ShareAlreadyIssuedException>(() => new FileDecryptionLedger(_dir, P).GetOrCreate(other, 1, () => { generated++; return [9]; }));
        Assert.Equal(0, generated);
        Assert.Equal(1, ledger.IssuedCount(7));
    }

    [Fact]
    public void LedgerFilesAreOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        new FileDecryptionLedger(_dir, P).GetOrCreate(new SetDecryptionSession(P, 7, 1, 1, [1], [1, 2]), 0, () => [1]);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "epoch-7", "r1-c0.share")));
        UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(owner, File.GetUnixFileMode(_dir));
        Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(_dir, "epoch-7")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "epoch-7"), "*.tmp"));
    }
}

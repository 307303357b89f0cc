using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>
/// <see cref="FileDecryptionLedger"/>: one session per (epoch, round), Q_cap per epoch, record before release, across
/// restarts; entries are 89-byte records of the session (the share is derived again for a repeated request), and
/// version-1 entries, which held the share, still answer with their recorded bytes.
/// </summary>
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
    public void TheSameSessionTwiceGetsTheSameBytesAcrossARestartWithoutKeepingThem()
    {
        var f = new AggregationFixture(P, "ledger-restart");
        RoundPolynomial a = f.A(3);
        (MaskedUpload[] uploads, uint[][] values) = f.UploadAll(a);
        SetDecryptionSession session = f.Session(3, [1, 2, 4], [1, 3]);
        byte[] first;
        using (SessionKeyShare key = f.Protocol.PrepareSession(f.KeyShares[0], session))
        {
            first = f.Protocol.GetOrCreateShare(new FileDecryptionLedger(_dir, P), key, a);
        }

        // The ledger holds the session, not the share: 89 bytes.
        Assert.Equal(89, new FileInfo(Path.Combine(_dir, "epoch-7", "r3-c0.share")).Length);

        // "Restart": new ledger, session and key objects over the same directory (the sets listed in another order).
        SetDecryptionSession again = f.Session(3, [4, 2, 1], [3, 1]);
        using SessionKeyShare key2 = f.Protocol.PrepareSession(f.KeyShares[0], again);
        var ledger = new FileDecryptionLedger(_dir, P);
        ledger.CheckSession(again);
        byte[] second = f.Protocol.GetOrCreateShare(ledger, key2, a);
        Assert.Equal(first, second);
        Assert.Equal(1, ledger.IssuedCount(7));

        // Into a caller's buffer (a kept one, longer than a share): the same bytes; a short one is refused before anything is recorded.
        var buffer = new byte[P.ShareBytes + 5];
        Assert.Equal(first.Length, f.Protocol.GetOrCreateShare(ledger, key2, a, buffer));
        Assert.Equal(first, buffer[..first.Length]);
        var ex = Assert.Throws<ArgumentException>(() => f.Protocol.GetOrCreateShare(ledger, key2, f.A(4), new byte[P.ShareBytes - 1]));
        Assert.Contains($"A share takes {P.ShareBytes} bytes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, ledger.IssuedCount(7));

        // The recorded share decrypts with the other member's.
        SetDecryptionShare aggregate = SetDecryptionShare.Deserialize(P, second);
        f.Protocol.AggregateShares(aggregate, f.Answer(session, a, [3]), aggregate);
        Assert.Equal(f.ExpectedSum(session.Uploaders, values), f.Protocol.Finalize(session, AggregationFixture.Sum(session.Uploaders, uploads), aggregate));
    }

    [Fact]
    public void AVersion1EntryIsAnsweredWithTheShareItRecorded()
    {
        var f = new AggregationFixture(P, "ledger-version-1");
        RoundPolynomial a = f.A(3);
        SetDecryptionSession session = f.Session(3, [1, 2, 4], [1, 3]);
        using SessionKeyShare key = f.Protocol.PrepareSession(f.KeyShares[0], session);
        SetDecryptionShare old = f.Protocol.AllocateShare();
        f.Protocol.GenerateShare(key, a, old, f.Prng); // the fresh noise a version-1 member drew
        byte[] recorded = old.Serialize();
        Directory.CreateDirectory(Path.Combine(_dir, "epoch-7"));
        File.WriteAllBytes(Path.Combine(_dir, "epoch-7", "r3-c0.share"), Version1Entry(session, 0, recorded));

        var ledger = new FileDecryptionLedger(_dir, P);
        ledger.CheckSession(session);
        Assert.Equal(recorded, ledger.Record(session, 0));
        byte[] answered = f.Protocol.GetOrCreateShare(ledger, key, a);
        Assert.Equal(recorded, answered);
        var buffer = new byte[P.ShareBytes];
        Assert.Equal(recorded.Length, f.Protocol.GetOrCreateShare(ledger, key, a, buffer));
        Assert.Equal(recorded, buffer);
        SetDecryptionShare derived = f.Protocol.AllocateShare();
        f.Protocol.GenerateShare(key, a, derived);
        Assert.NotEqual(recorded, derived.Serialize()); // the recorded bytes, not a second share with other noise
        Assert.Equal(1, ledger.IssuedCount(7));

        // Another session for that round is refused on the version-1 entry too.
        Assert.Throws<ShareAlreadyIssuedException>(() => new FileDecryptionLedger(_dir, P).Record(f.Session(3, [1, 2, 4], [1, 2]), 0));
    }

    [Fact]
    public void AnotherSessionForTheSameRoundIsRefusedBeforeAnythingIsComputed()
    {
        var ledger = new FileDecryptionLedger(_dir, P);
        SetDecryptionSession first = new(P, 7, 3, 2, [1, 2, 4], [1, 3]);
        Assert.Null(ledger.Record(first, 0));
        SetDecryptionSession[] others =
        [
            new(P, 7, 3, 2, [1, 2, 4], [1, 2]), // another D
            new(P, 7, 3, 2, [1, 2], [1, 3]), // another U
            new(P, 7, 3, 3, [1, 2, 4], [1, 3]), // another chunk count
        ];
        foreach (SetDecryptionSession other in others)
        {
            var ex = Assert.Throws<ShareAlreadyIssuedException>(() => ledger.Record(other, 0));
            Assert.Contains("round 3 of epoch 7", ex.Message);
            Assert.Throws<ShareAlreadyIssuedException>(() => ledger.Record(other, 1)); // another chunk of the round too
            Assert.Throws<ShareAlreadyIssuedException>(() => new FileDecryptionLedger(_dir, P).CheckSession(other));
            Assert.Throws<ShareAlreadyIssuedException>(() => new FileDecryptionLedger(_dir, P).Record(other, 1));
        }

        Assert.Equal(1, ledger.IssuedCount(7));
        Assert.Null(ledger.Record(first, 0)); // the same session again: found, not counted twice
        Assert.Null(ledger.Record(new SetDecryptionSession(P, 7, 4, 1, [1, 2], [1, 2]), 0)); // another round is fine
        Assert.Null(ledger.Record(new SetDecryptionSession(P, 8, 3, 1, [1, 2], [1, 2]), 0)); // so is another epoch
        Assert.Equal(2, ledger.IssuedCount(7));
        AggregationParameters otherParameters = AggregationParameters.CreateInsecureForTests(4, 2, maxColluders: 1, shareCap: 1000);
        Assert.Throws<ArgumentException>(() => ledger.Record(new SetDecryptionSession(otherParameters, 7, 9, 1, [1], [1, 2]), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Record(first, 2));
    }

    [Fact]
    public void TheShareCapIsEnforcedPerEpochAcrossRestarts()
    {
        var ledger = new FileDecryptionLedger(_dir, P);
        for (ulong round = 1; round <= 3; round++)
        {
            ledger.Record(new SetDecryptionSession(P, 7, round, 1, [1], [1, 2]), 0);
        }

        var fourth = new SetDecryptionSession(P, 7, 4, 1, [1], [1, 2]);
        var ex = Assert.Throws<ShareBudgetExhaustedException>(() => ledger.Record(fourth, 0));
        Assert.Contains("Start a new key epoch", ex.Message);
        Assert.Throws<ShareBudgetExhaustedException>(() => new FileDecryptionLedger(_dir, P).Record(fourth, 0));
        Assert.Throws<ShareBudgetExhaustedException>(() => new FileDecryptionLedger(_dir, P).CheckSession(fourth));
        Assert.Equal(3, new FileDecryptionLedger(_dir, P).IssuedCount(7));
        Assert.False(File.Exists(Path.Combine(_dir, "epoch-7", "r4-c0.share")));

        // A session whose chunks would not all fit is refused up front; one already answered passes.
        var fresh = new FileDecryptionLedger(_dir, P);
        var twoChunks = new SetDecryptionSession(P, 8, 1, 2, [1], [1, 2]);
        fresh.Record(twoChunks, 0);
        fresh.Record(twoChunks, 1);
        fresh.CheckSession(twoChunks);
        Assert.Throws<ShareBudgetExhaustedException>(() => fresh.CheckSession(new SetDecryptionSession(P, 8, 2, 2, [1], [1, 2])));
        fresh.CheckSession(new SetDecryptionSession(P, 8, 2, 1, [1], [1, 2]));
    }

    [Fact]
    public void ACorruptedOrMovedEntryIsDetected()
    {
        var session = new SetDecryptionSession(P, 7, 5, 2, [1, 2], [1, 2]);
        new FileDecryptionLedger(_dir, P).Record(session, 0);
        string file = Path.Combine(_dir, "epoch-7", "r5-c0.share");
        byte[] original = File.ReadAllBytes(file);

        byte[] flipped = (byte[])original.Clone();
        flipped[^40] ^= 1;
        File.WriteAllBytes(file, flipped);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => new FileDecryptionLedger(_dir, P).Record(session, 0)).Message);

        File.WriteAllBytes(file, original[..20]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => new FileDecryptionLedger(_dir, P).Record(session, 0)).Message);

        File.WriteAllBytes(file, [.. original, 0]);
        Assert.Contains("a version-2 entry has 89", Assert.Throws<InvalidDataException>(() => new FileDecryptionLedger(_dir, P).Record(session, 0)).Message);

        File.Delete(file);
        File.WriteAllBytes(Path.Combine(_dir, "epoch-7", "r5-c1.share"), original);
        Assert.Contains("than its name", Assert.Throws<InvalidDataException>(() => new FileDecryptionLedger(_dir, P).Record(session, 1)).Message);

        // A damaged version-1 entry: its checksum, and a length field that disagrees with its size.
        byte[] v1 = Version1Entry(session, 0, [1, 2, 3, 4]);
        v1[^40] ^= 1;
        File.WriteAllBytes(file, v1);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => new FileDecryptionLedger(_dir, P).Record(session, 0)).Message);
        File.WriteAllBytes(file, Version1Entry(session, 0, [1, 2, 3, 4], declaredLength: 5));
        Assert.Contains("length field", Assert.Throws<InvalidDataException>(() => new FileDecryptionLedger(_dir, P).Record(session, 0)).Message);
    }

    [Fact]
    public void AnEntryIsTheDocumentedRecordByteForByte()
    {
        var session = new SetDecryptionSession(P, 7, 5, 2, [1, 2], [1, 2]);
        Assert.Null(new FileDecryptionLedger(_dir, P).Record(session, 1));

        // "SADL" | 2 | epoch | round | chunk | session digest | SHA-256 of everything before, built here by hand.
        var expected = new List<byte>();
        expected.AddRange("SADL"u8.ToArray());
        expected.Add(2);
        expected.AddRange(BitConverter.GetBytes(7UL));
        expected.AddRange(BitConverter.GetBytes(5UL));
        expected.AddRange(BitConverter.GetBytes(1));
        expected.AddRange(session.Digest.ToArray());
        expected.AddRange(SHA256.HashData([.. expected]));
        Assert.Equal([.. expected], File.ReadAllBytes(Path.Combine(_dir, "epoch-7", "r5-c1.share")));
    }

    [Fact]
    public void ALaterChunkOfAnotherSessionIsRefusedByTheLedgerThatRecordedTheFirst()
    {
        var ledger = new FileDecryptionLedger(_dir, P);
        ledger.Record(new SetDecryptionSession(P, 7, 3, 2, [1, 2, 4], [1, 3]), 0);
        var other = new SetDecryptionSession(P, 7, 3, 2, [1, 2, 4], [1, 2]);
        Assert.Throws<ShareAlreadyIssuedException>(() => ledger.Record(other, 1));
        Assert.Throws<ShareAlreadyIssuedException>(() => ledger.CheckSession(other));
        Assert.Throws<ShareAlreadyIssuedException>(() => new FileDecryptionLedger(_dir, P).Record(other, 1));
        Assert.Equal(1, ledger.IssuedCount(7));
        Assert.False(File.Exists(Path.Combine(_dir, "epoch-7", "r3-c1.share")));
    }

    [Fact]
    public void LedgerFilesAreOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        new FileDecryptionLedger(_dir, P).Record(new SetDecryptionSession(P, 7, 1, 1, [1], [1, 2]), 0);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "epoch-7", "r1-c0.share")));
        UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(owner, File.GetUnixFileMode(_dir));
        Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(_dir, "epoch-7")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "epoch-7"), "*.tmp"));
    }

    /// <summary>A version-1 entry as members wrote them before shares were derived: "SADL" | 1 | epoch | round | chunk |
    /// session digest | length | share | SHA-256 of everything before, built here by hand.</summary>
    private static byte[] Version1Entry(SetDecryptionSession session, int chunk, byte[] share, int? declaredLength = null)
    {
        var entry = new List<byte>();
        entry.AddRange("SADL"u8.ToArray());
        entry.Add(1);
        entry.AddRange(BitConverter.GetBytes(session.Epoch));
        entry.AddRange(BitConverter.GetBytes(session.Round));
        entry.AddRange(BitConverter.GetBytes(chunk));
        entry.AddRange(session.Digest.ToArray());
        entry.AddRange(BitConverter.GetBytes(declaredLength ?? share.Length));
        entry.AddRange(share);
        entry.AddRange(SHA256.HashData([.. entry]));
        return [.. entry];
    }
}

using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty;
using SecAgg.Participant.Rounds;
using SecAgg.Participant.State;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Participant.Tests.State;

public sealed class ParticipantCryptoTests : IDisposable
{
    private const int Parties = 3;
    private static readonly MultipartyParameters Mp = MultipartyParameters.CreateInsecureForTests(Parties, threshold: 2);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-state-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void AWholeLocalRoundDecryptsToTheMeanOfTheUpdates()
    {
        var (parties, pk) = JoinEpoch();
        var ddg = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = Parties, Dimension = 40, ClipNorm = 10, NoiseMultiplier = 0.001 });
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        float[][] updates = [.. Enumerable.Range(0, Parties).Select(i => Enumerable.Range(0, 40).Select(j => (float)Math.Sin(i + (j * 0.3))).ToArray())];

        RoundParameters round = Round(ddg, seed);
        var uploads = parties.Select((p, i) => p.EncryptUpdate(round, pk, updates[i])).ToList();
        Assert.All(uploads, u => Assert.Single(u.Chunks));
        CompactCiphertext sum = CompactCiphertext.Deserialize(Mp, uploads[0].Chunks[0]);
        foreach (EncryptedUpdate u in uploads.Skip(1))
        {
            sum.AddInplace(CompactCiphertext.Deserialize(Mp, u.Chunks[0]));
        }

        int[] set = [1, 3];
        byte[] aggregate = sum.Serialize();
        float[] mean = Decrypt(aggregate, set, [.. set.Select(id => parties[id - 1].AnswerDecryption(aggregate, set, Parties))], ddg, seed);

        for (int j = 0; j < 40; j++)
        {
            double expected = updates.Average(u => u[j]);
            Assert.True(Math.Abs(mean[j] - expected) < 0.02, $"coordinate {j}: {mean[j]} vs {expected}");
        }
    }

    [Fact]
    public void DealingIsDeterministicPerStateDirectoryAndDiffersBetweenDirectories()
    {
        byte[] crs = CommonReferencePolynomial.NewSeed();
        string dir = Path.Combine(_root, "dealer");
        var first = new ParticipantCrypto(Mp, 1, ParticipantState.Open(dir));
        first.CreatePublicKeyShare(crs);
        IReadOnlyList<byte[]> dealt = first.DealThresholdShares();

        // A restarted participant (new objects, same directory) deals exactly the same shares; the seed is a 0600 secret.
        IReadOnlyList<byte[]> again = new ParticipantCrypto(Mp, 1, ParticipantState.Open(dir)).DealThresholdShares();
        Assert.Equal(dealt.Count, again.Count);
        for (int j = 0; j < dealt.Count; j++)
        {
            Assert.Equal(dealt[j], again[j]);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "threshold-dealing-seed.bin")));
        }

        // Another participant's dealing (another secret and seed) is different, and the shares are not the bare secret.
        var other = new ParticipantCrypto(Mp, 1, ParticipantState.Open(Path.Combine(_root, "other")));
        other.CreatePublicKeyShare(crs);
        Assert.NotEqual(dealt[1], other.DealThresholdShares()[1]);
        Assert.NotEqual(dealt[0], dealt[1]);
    }

    [Fact]
    public void ARestartedParticipantReturnsTheSameShareAndRefusesADifferentDecryptionSet()
    {
        var (parties, pk) = JoinEpoch();
        var ddg = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = Parties, Dimension = 8, ClipNorm = 1, NoiseMultiplier = 0.5 });
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        RoundParameters round = Round(ddg, seed);
        CompactCiphertext sum = CompactCiphertext.Deserialize(Mp, parties[0].EncryptUpdate(round, pk, new float[8]).Chunks[0]);
        for (int i = 1; i < Parties; i++)
        {
            sum.AddInplace(CompactCiphertext.Deserialize(Mp, parties[i].EncryptUpdate(round, pk, new float[8]).Chunks[0]));
        }

        byte[] aggregate = DecryptionCodec.EncodeRequest(sum);
        byte[] first = parties[0].AnswerDecryption(aggregate, [1, 2], Parties);

        // The process dies; a new one opens the same state directory.
        var restarted = new ParticipantCrypto(Mp, 1, ParticipantState.Open(Path.Combine(_root, "p1")));
        Assert.Equal(first, restarted.AnswerDecryption(aggregate, [1, 2], Parties));
        Assert.Throws<ShareAlreadyIssuedException>(() => restarted.AnswerDecryption(aggregate, [1, 3], Parties));
    }

    [Fact]
    public void SecretsAreStoredWithMode0600AndAreNeverReplaced()
    {
        ParticipantState state = ParticipantState.Open(Path.Combine(_root, "solo"));
        var crypto = new ParticipantCrypto(Mp, 1, state);
        crypto.CreatePublicKeyShare(CommonReferencePolynomial.NewSeed());

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(state.SecretPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(state.Directory));
        byte[] before = File.ReadAllBytes(state.SecretPath);
        using (PartySecret other = PartySecret.Generate(Mp, 1))
        {
            Assert.Throws<InvalidOperationException>(() => state.SaveSecret(other));
        }

        crypto.CreatePublicKeyShare(CommonReferencePolynomial.NewSeed());
        Assert.Equal(before, File.ReadAllBytes(state.SecretPath));

        File.SetUnixFileMode(state.SecretPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Throws<UnauthorizedAccessException>(() => state.LoadSecret(Mp));
    }

    [Fact]
    public void UploadProgressSurvivesReopeningTheStateDirectory()
    {
        string dir = Path.Combine(_root, "progress");
        ParticipantState.Open(dir).SaveProgress(new UploadProgressRecord(7, "00ff", 12, Complete: false));
        Assert.Equal(new UploadProgressRecord(7, "00ff", 12, false), ParticipantState.Open(dir).LoadProgress(7));
        Assert.Null(ParticipantState.Open(dir).LoadProgress(8));
        File.WriteAllText(Path.Combine(dir, "upload-round-9.json"), "{not json");
        Assert.Throws<InvalidDataException>(() => ParticipantState.Open(dir).LoadProgress(9));
    }

    [Fact]
    public void AnUpdateOfTheWrongLengthIsRefusedWithTheParameterName()
    {
        var (parties, pk) = JoinEpoch();
        var ddg = DdgParameters.Create(new DdgParameterLiteral { Bits = 16, ExpectedParticipants = Parties, Dimension = 8, ClipNorm = 1, NoiseMultiplier = 0.5 });
        var e = Assert.Throws<ArgumentException>(() => parties[0].EncryptUpdate(Round(ddg, new byte[32]), pk, new float[9]));
        Assert.Equal("update", e.ParamName);
    }

    private static RoundParameters Round(DdgParameters ddg, byte[] seed) => RoundParameters.Create(
        1, 0, 1, new TensorLayout([new TensorSpec("w", [ddg.Dimension])]), Mp, ContractMapping.InsecureForTestsPrefix + "-participant", ddg, "ddg-test", seed);

    private (ParticipantCrypto[] Parties, CollectivePublicKey Key) JoinEpoch()
    {
        byte[] crs = CommonReferencePolynomial.NewSeed();
        var parties = Enumerable.Range(1, Parties).Select(id => new ParticipantCrypto(Mp, id, ParticipantState.Open(Path.Combine(_root, $"p{id}")))).ToArray();
        var protocol = new PublicKeyGenProtocol(Mp);
        PublicKeyShare aggregate = PublicKeyShare.Deserialize(Mp, parties[0].CreatePublicKeyShare(crs));
        foreach (ParticipantCrypto p in parties.Skip(1))
        {
            PublicKeyShare next = protocol.AllocateShare();
            protocol.AggregateShares(aggregate, PublicKeyShare.Deserialize(Mp, p.CreatePublicKeyShare(crs)), next);
            aggregate = next;
        }

        CollectivePublicKey pk = protocol.Finalize(aggregate, CommonReferencePolynomial.Expand(Mp, crs));
        var dealt = parties.Select(p => p.DealThresholdShares()).ToArray();
        for (int j = 0; j < Parties; j++)
        {
            parties[j].AcceptThresholdShares([.. dealt.Select(d => d[j])]);
        }

        return (parties, pk);
    }

    private static float[] Decrypt(byte[] aggregate, int[] set, byte[][] shares, DdgParameters ddg, byte[] seed)
    {
        var protocol = new DecryptionShareProtocol(Mp);
        CompactCiphertext ct = CompactCiphertext.Deserialize(Mp, aggregate);
        DecryptionShare acc = DecryptionShare.Deserialize(Mp, shares[0]);
        foreach (byte[] s in shares.Skip(1))
        {
            DecryptionShare next = protocol.AllocateShare();
            protocol.AggregateShares(acc, DecryptionShare.Deserialize(Mp, s), next);
            acc = next;
        }

        uint[] wrapped = protocol.FinalizeWrapped(ct, acc);
        var result = new float[ddg.Dimension];
        new DdgDecoder(ddg).Decode(wrapped.AsSpan(0, ddg.PaddedDimension), seed, Parties, result);
        _ = set;
        return result;
    }
}

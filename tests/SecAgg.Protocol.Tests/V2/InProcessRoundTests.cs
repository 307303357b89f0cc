using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Approval;
using SecAgg.Protocol.Statements;
using SecAgg.Quantize.Ddg;
using V1 = SecAgg.Proto.V1;
using Site = SecAgg.Protocol.Tests.V2.InProcessRound.Site;

namespace SecAgg.Protocol.Tests.V2;

/// <summary>
/// Whole rounds of protocol v2 through the seam only: key epoch (commit, deal, complete; resumed sites), the aggregator's
/// announcement checked by each site, masked uploads, the aggregator's fold, approvals by every member of U, a checked
/// decryption session answered by t members, combine and decode; then what a malicious aggregator tries at this layer.
/// </summary>
public sealed class InProcessRoundTests
{
    private const ulong Round = 1;

    [Theory]
    [InlineData(3, 3, 1, 2, HeScheme.Bfv)]
    [InlineData(3, 2, 1, 2, HeScheme.Bfv)]
    [InlineData(5, 5, 1, 3, HeScheme.Bfv)]
    [InlineData(5, 3, 1, 3, HeScheme.Bfv)]
    [InlineData(3, 3, 1, 2, HeScheme.Ckks)]
    [InlineData(3, 2, 1, 2, HeScheme.Ckks)]
    [InlineData(5, 5, 1, 3, HeScheme.Ckks)]
    [InlineData(5, 3, 1, 3, HeScheme.Ckks)]
    public void AWholeRoundDecryptsTheMeanOfTheUploadsWithinTheQuantizationBound(int n, int t, int c, int m, HeScheme scheme)
    {
        using InProcessRound r = InProcessRound.Create(n, t, c, m, scheme);
        Assert.True(r.AggregatorPreset.IsInsecureForTests);
        Assert.Equal(scheme, r.AggregatorPreset.Scheme.Kind);
        RoundParameters round = r.Announce(Round);
        Assert.True(round.TotalChunks > 1, "the test must cover several chunks");

        // With t < N one site drops out before uploading (U ≠ roster) and D takes the last t sites, the dropped one included.
        Site[] uploaders = t == n ? r.Sites : r.Sites[..^1];
        string[] d = [.. r.Sites[^t..].Select(s => s.Id)];
        float[][] updates = Updates(uploaders.Length, seed: (n * 100) + (t * 10) + (int)scheme);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, uploaders, updates);

        byte[][] sums = r.Fold(round, uploads.Select(u => u.Upload));
        SignedStatement[] approvals = r.Approvals(Round, uploads);
        SignedStatement[] commitments = [.. uploads.Select(u => u.Upload.SignedCommitment)];
        Dictionary<string, byte[][]> shares = d.ToDictionary(id => id, id => InProcessRound.Answer(r[id], Round, commitments, approvals, d));
        SetDecryptionSession session = round.CreateSession(uploaders.Select(s => s.Id), d);
        uint[][] values = InProcessRound.Combine(round, session, sums, shares);
        float[] mean = new AggregateDecoder(round).DecodeMean(values, uploaders.Length);

        double bound = MeanBound(round.Ddg, uploaders.Length);
        Assert.True(bound < 0.005, $"the test's bound {bound} is too loose to mean anything");
        double error = MaxError(mean, Mean(updates));
        Assert.True(error <= bound, $"max error {error} exceeds the DDG bound {bound}");

        // Every member of U charged its own privacy ledger with |U| for the round; the members of D recorded one share per chunk.
        Assert.All(uploaders, s => Assert.Equal(new ApprovedRound(InProcessRound.EpochId, Round, uploaders.Length), Assert.Single(s.Approval.PrivacyLedger.Rounds)));
        Assert.All(d, id => Assert.Equal(round.TotalChunks, r[id].Ledger.IssuedCount(InProcessRound.EpochId)));
    }

    [Fact]
    public void CombiningSharesOneAtATimeEqualsCombiningThemTogetherAndRefusesRepeatsAndGaps()
    {
        using InProcessRound r = InProcessRound.Create(3, 2, 1, 2, HeScheme.Bfv);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Updates(3, seed: 77);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);
        byte[][] sums = r.Fold(round, uploads.Select(u => u.Upload));
        SignedStatement[] approvals = r.Approvals(Round, uploads);
        SignedStatement[] commitments = [.. uploads.Select(u => u.Upload.SignedCommitment)];
        string[] d = [.. r.Sites[^2..].Select(s => s.Id)];
        Dictionary<string, byte[][]> shares = d.ToDictionary(id => id, id => InProcessRound.Answer(r[id], Round, commitments, approvals, d));
        SetDecryptionSession session = round.CreateSession(r.Sites.Select(s => s.Id), d);
        CiphertextScheme scheme = round.Scheme;

        for (int k = 0; k < round.TotalChunks; k++)
        {
            ShareCombiner combiner = scheme.StartCombine(session, k);
            foreach (byte[][] member in shares.Values)
            {
                combiner.Add(member[k]);
            }

            uint[] together = scheme.Combine(session, k, sums[k], shares.Values.Select(s => (ReadOnlyMemory<byte>)s[k]));
            Assert.Equal(together, combiner.Finish(sums[k]));

            // The sum's bytes decoded onto a copy of the aggregate give what the parsed sum gives, into a span as well.
            Assert.Equal(together, combiner.Finish(MaskedUpload.Deserialize(scheme.Parameters, sums[k])));
            var span = new uint[together.Length - 3];
            combiner.Finish(sums[k], span);
            Assert.Equal(together[..span.Length], span);
        }

        ShareCombiner full = scheme.StartCombine(session, 0);
        foreach (byte[][] member in shares.Values)
        {
            full.Add(member[0]);
        }

        byte[] damaged = (byte[])sums[0].Clone();
        damaged[0] ^= 1;
        Assert.Throws<InvalidDataException>(() => full.Finish(damaged));
        byte[] twoOfThree = r.Fold(round, uploads[..2].Select(u => u.Upload))[0];
        Assert.Contains("uploader set U has 3", Assert.Throws<InvalidOperationException>(() => full.Finish(twoOfThree)).Message);

        ShareCombiner twice = scheme.StartCombine(session, 0);
        twice.Add(shares[d[0]][0]);
        Assert.Contains("given twice", Assert.Throws<InvalidOperationException>(() => twice.Add(shares[d[0]][0])).Message);
        Assert.Throws<InvalidOperationException>(() => twice.Finish(sums[0])); // a member of D is missing
        Assert.Contains("chunk", Assert.Throws<InvalidDataException>(() => scheme.StartCombine(session, 1).Add(shares[d[0]][0])).Message);
    }

    [Fact]
    public void ChunksDecryptedIntoTheDecodersOwnSlicesDecodeAsTheListAndADisposedDecoderHandsItsScratchOn()
    {
        using InProcessRound r = InProcessRound.Create(3, 3, 1, 2, HeScheme.Bfv);
        RoundParameters round = r.Announce(Round);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, Updates(3, seed: 78));
        byte[][] sums = r.Fold(round, uploads.Select(u => u.Upload));
        SignedStatement[] approvals = r.Approvals(Round, uploads);
        SignedStatement[] commitments = [.. uploads.Select(u => u.Upload.SignedCommitment)];
        string[] d = [.. r.Sites.Select(s => s.Id)];
        Dictionary<string, byte[][]> shares = d.ToDictionary(id => id, id => InProcessRound.Answer(r[id], Round, commitments, approvals, d));
        SetDecryptionSession session = round.CreateSession(d, d);
        uint[][] values = InProcessRound.Combine(round, session, sums, shares);
        float[] expected = new AggregateDecoder(round).DecodeMean(values, 3);

        for (int pass = 0; pass < 3; pass++) // the second and third decoders may take the scratch of the one before
        {
            var decoder = new AggregateDecoder(round);
            for (int k = 0; k < round.TotalChunks; k++)
            {
                ShareCombiner combiner = round.Scheme.StartCombine(session, k);
                foreach (byte[][] member in shares.Values)
                {
                    combiner.Add(member[k]);
                }

                combiner.Finish(sums[k], decoder.ChunkValues(k));
            }

            Assert.Equal(expected, decoder.DecodeMean(3));
            decoder.Dispose();
            Assert.Throws<ObjectDisposedException>(() => decoder.ChunkValues(0));
            Assert.Throws<ObjectDisposedException>(() => decoder.DecodeMean(3));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new AggregateDecoder(round).ChunkValues(round.TotalChunks));

        Assert.True(round.TotalChunks > 1, "the test must cover several chunks");
        // A decoder whose scratch holds the last round's values refuses to decode before every chunk was written anew.
        using var partial = new AggregateDecoder(round);
        values[0].CopyTo(partial.ChunkValues(0));
        Assert.Contains("Chunk 1", Assert.Throws<InvalidOperationException>(() => partial.DecodeMean(3)).Message);
    }

    [Fact]
    public void TheWeightedMeanDividesByTheTotalWeight()
    {
        using InProcessRound r = InProcessRound.Create(3, 2, 1, 2, HeScheme.Bfv, maxWeight: 4);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Updates(3, seed: 5);
        ulong[] weights = [3, 1, 4];
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates, weights);
        string[] d = ["hospital-1", "hospital-3"];
        SignedStatement[] approvals = r.Approvals(Round, uploads);
        SignedStatement[] commitments = [.. uploads.Select(u => u.Upload.SignedCommitment)];
        uint[][] values = InProcessRound.Combine(round, round.CreateSession(r.Consortium.Ids, d), r.Fold(round, uploads.Select(u => u.Upload)),
            d.ToDictionary(id => id, id => InProcessRound.Answer(r[id], Round, commitments, approvals, d)));

        float[] mean = new AggregateDecoder(round).DecodeWeightedMean(values, weights.Aggregate((a, b) => a + b));
        float[] expected = new float[InProcessRound.Dimension];
        for (int j = 0; j < expected.Length; j++)
        {
            expected[j] = (float)(Enumerable.Range(0, 3).Sum(i => weights[i] * (double)updates[i][j]) / weights.Sum(w => (double)w));
        }

        // The divisor Σw / max-weight = 2: the error is that of the sum, halved.
        double bound = MeanBound(round.Ddg, 3) * 3 / 2;
        Assert.True(MaxError(mean, expected) <= bound, $"max error {MaxError(mean, expected)} exceeds {bound}");
    }

    [Fact]
    public void HostileSessionOverASingleUploadIsRefusedAndAnswersNothing()
    {
        using InProcessRound r = InProcessRound.Create(3, 2, 1, 2, HeScheme.Bfv);
        RoundParameters round = r.Announce(Round);
        Site victim = r["hospital-1"];
        EncryptedUpload upload = victim.Upload(victim.Join(InProcessRound.Announcement(round)), Updates(1, seed: 9)[0]);

        // The victim does not approve a list of its upload alone ...
        RoundDecision<SignedStatement> approval = victim.Approval.Decide(InProcessRound.EpochId, Round, upload.Commitment, [upload.SignedCommitment]);
        Assert.Equal(RoundRefusal.TooFewUploads, approval.Refusal);
        Assert.Empty(victim.Approval.PrivacyLedger.Rounds);

        // ... and even with an approval over that list (signed with the victim's key, as if it had been tricked), no member answers.
        byte[] listDigest = UploadList.Digest(r.Consortium.Descriptor, [upload.Commitment]);
        SignedStatement forged = victim.Signer.Sign(new RoundApproval(r.Consortium.Digest, InProcessRound.EpochId, victim.Id, Round, listDigest));
        string[] d = ["hospital-2", "hospital-3"];
        foreach (string member in d)
        {
            RoundDecision<MemberSession> opened = r[member].Decryption.Open(Round, [upload.SignedCommitment], [forged], d);
            Assert.Equal(RoundRefusal.TooFewUploads, opened.Refusal);
            Assert.Contains("1 upload in U; the consortium decrypts only sums of at least min-participants = 2", opened.Reason, StringComparison.Ordinal);
            Assert.Equal(0, r[member].Ledger.IssuedCount(InProcessRound.EpochId));
        }
    }

    [Fact]
    public void HostileSecondDifferentSessionForTheSameRoundIsRefused()
    {
        using InProcessRound r = InProcessRound.Create(3, 2, 1, 2, HeScheme.Bfv);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Updates(3, seed: 11);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);
        SignedStatement[] approvals = r.Approvals(Round, uploads);
        SignedStatement[] commitments = [.. uploads.Select(u => u.Upload.SignedCommitment)];
        string[] first = ["hospital-1", "hospital-2"];
        byte[][] answered = InProcessRound.Answer(r["hospital-1"], Round, commitments, approvals, first);

        // Another decryption set for the same (epoch, round): hospital-1's ledger refuses before anything is computed.
        RoundDecision<MemberSession> second = r["hospital-1"].Decryption.Open(Round, commitments, approvals, ["hospital-1", "hospital-3"]);
        Assert.Equal(RoundRefusal.ShareAlreadyIssued, second.Refusal);
        Assert.Equal(round.TotalChunks, r["hospital-1"].Ledger.IssuedCount(InProcessRound.EpochId));

        // Another upload set: the honest members of U approved only the first list (one list per round), so no session over a subset opens.
        SignedStatement[] subset = commitments[..2];
        RoundDecision<SignedStatement> reapproval = r["hospital-1"].Approval.Decide(InProcessRound.EpochId, Round, uploads[0].Upload.Commitment, subset);
        Assert.Equal(RoundRefusal.AnotherListApproved, reapproval.Refusal);
        RoundDecision<MemberSession> shrunk = r["hospital-3"].Decryption.Open(Round, subset, approvals[..2], ["hospital-1", "hospital-3"]);
        Assert.Equal(RoundRefusal.ApprovalOverAnotherList, shrunk.Refusal);

        // Two sessions opened before either is answered (interleaved requests): the first share recorded fixes the session.
        RoundDecision<MemberSession> a = r["hospital-3"].Decryption.Open(Round, commitments, approvals, ["hospital-1", "hospital-3"]);
        RoundDecision<MemberSession> b = r["hospital-3"].Decryption.Open(Round, commitments, approvals, ["hospital-2", "hospital-3"]);
        Assert.True(a.IsAccepted && b.IsAccepted, a.Reason + b.Reason);
        using (MemberSession first3 = a.Value!)
        using (MemberSession second3 = b.Value!)
        {
            _ = first3.Share(0);
            Assert.Throws<ShareAlreadyIssuedException>(() => second3.Share(1));
            Assert.Equal(1, r["hospital-3"].Ledger.IssuedCount(InProcessRound.EpochId));
        }

        // The same session asked again gets the recorded shares, byte for byte.
        Assert.Equal(answered, InProcessRound.Answer(r["hospital-1"], Round, commitments, approvals, first));
    }

    [Fact]
    public void HostileSumOtherThanTheApprovedOneDecryptsToNoise()
    {
        using InProcessRound r = InProcessRound.Create(3, 2, 1, 2, HeScheme.Bfv);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Updates(3, seed: 13);
        (Site Site, EncryptedUpload Upload)[] uploads = InProcessRound.UploadAll(round, r.Sites, updates);
        SignedStatement[] approvals = r.Approvals(Round, uploads);
        SignedStatement[] commitments = [.. uploads.Select(u => u.Upload.SignedCommitment)];
        string[] d = ["hospital-2", "hospital-3"];
        Dictionary<string, byte[][]> shares = d.ToDictionary(id => id, id => InProcessRound.Answer(r[id], Round, commitments, approvals, d));
        SetDecryptionSession session = round.CreateSession(r.Consortium.Ids, d);

        // The aggregator swaps hospital-3's upload for a second copy of hospital-2's (the summand count stays |U|): the
        // shares unmask a·(s_1 + s_2 + s_3), the forged sum is masked by a·(s_1 + 2·s_2), and a·(s_3 − s_2) stays.
        byte[][] forged = r.Fold(round, [uploads[0].Upload, uploads[1].Upload, uploads[1].Upload]);
        float[] decoded = new AggregateDecoder(round).DecodeMean(InProcessRound.Combine(round, session, forged, shares), 3);
        float[] wanted = new float[InProcessRound.Dimension];
        for (int j = 0; j < wanted.Length; j++)
        {
            wanted[j] = (updates[0][j] + (2 * updates[1][j])) / 3;
        }

        double bound = MeanBound(round.Ddg, 3);
        double rms = Math.Sqrt(decoded.Zip(wanted).Average(p => Math.Pow(p.First - p.Second, 2)));
        Assert.True(rms > 10 * bound, $"the forged sum decoded to within {rms} (RMS) of its plaintext; the honest bound is {bound}");

        // No ciphertext and no polynomial reaches a member: it derives a_{r,k} from the epoch seed, (round, chunk) itself.
        // Its methods take chunk numbers only, besides a writable buffer the share is written into (an output).
        Assert.All(typeof(MemberSession).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly),
            method => Assert.All(method.GetParameters(), p => Assert.True(
                p.ParameterType == typeof(int) || (p.ParameterType == typeof(Span<byte>) && p.Name == "destination"),
                $"{method.Name} takes {p.ParameterType.Name} {p.Name}")));
        Assert.DoesNotContain(V1.DecryptionSession.Descriptor.Fields.InFieldNumberOrder(), f => f.FieldType == FieldType.Bytes);

        // A share answers its own chunk only.
        Assert.False(round.Scheme.TryCheckShare(shares["hospital-2"][0], session, 1, 2, out string? problem));
        Assert.Contains("answers chunk 0, not chunk 1", problem, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> AnnouncementTampering => new()
    {
        { "rotation seed", "RoundConfig.quantization.rotation_seed" },
        { "chunks", "RoundConfig.total_chunks" },
        { "modulus", "RoundConfig.he_parameters.ciphertext_moduli[0]" },
        { "threshold", "RoundConfig.he_parameters.threshold" },
        { "m", "RoundConfig.min_participants" },
        { "digest", "RoundConfig.parameter_digest" },
        { "noise", "RoundConfig.quantization.noise_sigma" },
        { "epoch", "RoundConfig.key_epoch_id" },
    };

    [Theory]
    [MemberData(nameof(AnnouncementTampering))]
    public void AnAnnouncementThatDiffersFromTheSitesOwnComputationIsRefusedNamingTheField(string tampering, string field)
    {
        using InProcessRound r = InProcessRound.Create(3, 2, 1, 2, HeScheme.Bfv);
        RoundParameters round = r.Announce(Round);
        V1.RoundConfig announced = InProcessRound.Announcement(round);
        Assert.Equal(round.ParameterDigest, r["hospital-1"].Join(announced).ParameterDigest);
        switch (tampering)
        {
            case "rotation seed": announced.Quantization.RotationSeed = ByteString.CopyFrom(new byte[32]); break;
            case "chunks": announced.TotalChunks++; break;
            case "modulus": announced.HeParameters.CiphertextModuli[0] += 2; break;
            case "threshold": announced.HeParameters.Threshold--; break;
            case "m": announced.MinParticipants = 1; break;
            case "digest": announced.ParameterDigest = ByteString.CopyFrom(new byte[32]); break;
            case "noise": announced.Quantization.NoiseSigmaNumerator /= 2; break;
            case "epoch": announced.KeyEpochId++; break;
        }

        var e = Assert.Throws<ParameterMismatchException>(() => r["hospital-1"].Join(announced));
        Assert.StartsWith(field, e.Message, StringComparison.Ordinal);
        Assert.Contains("the round is refused", e.Message, StringComparison.Ordinal);
        if (tampering != "epoch")
        {
            Assert.StartsWith(field, Assert.Throws<ParameterMismatchException>(() => round.CheckAnnounced(announced)).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ARoundOverTheParticipantsOwnBudgetIsNotApproved()
    {
        // Each site's own file allows ε = 1; one round at z = 0.001 spends far more: no approval is signed, nothing is charged.
        using InProcessRound r = InProcessRound.Create(3, 2, 1, 2, HeScheme.Bfv, epsilonBudget: 1);
        RoundParameters round = r.Announce(Round);
        float[][] updates = Updates(3, seed: 17);
        EncryptedUpload[] uploads = [.. InProcessRound.UploadAll(round, r.Sites, updates).Select(u => u.Upload)];
        SignedStatement[] list = [.. uploads.Select(u => u.SignedCommitment)];
        RoundDecision<SignedStatement> d = r["hospital-2"].Approval.Decide(InProcessRound.EpochId, Round, uploads[1].Commitment, list);
        Assert.Equal(RoundRefusal.PrivacyBudgetExhausted, d.Refusal);
        Assert.Contains("does not allow round 1 with 3 uploads (2 honest summands with c = 1)", d.Reason, StringComparison.Ordinal);
        Assert.Empty(r["hospital-2"].Approval.PrivacyLedger.Rounds);
    }

    /// <summary>Per-coordinate error of the decoded mean of k uploads: γ·(noise sum + rounding) / k, an orthogonal transform
    /// of independent terms of variance k·σ_int² + k/4; 6 standard deviations.</summary>
    private static double MeanBound(DdgParameters ddg, int k) => 6 * ddg.Gamma * Math.Sqrt(k * (ddg.NoiseVariance + 0.25)) / k;

    private static float[][] Updates(int count, int seed)
    {
        var rng = new Random(seed); // test data only, not secret
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, InProcessRound.Dimension).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.04)).ToArray())];
    }

    private static float[] Mean(float[][] updates) =>
        [.. Enumerable.Range(0, updates[0].Length).Select(j => (float)updates.Average(u => (double)u[j]))];

    private static double MaxError(float[] actual, float[] expected) => actual.Zip(expected).Max(p => Math.Abs((double)p.First - p.Second));
}

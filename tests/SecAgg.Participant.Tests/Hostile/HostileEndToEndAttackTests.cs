using System.Buffers.Binary;
using System.Reflection;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring;
using SecAgg.Participant.Client;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Epoch;

namespace SecAgg.Participant.Tests.Hostile;

/// <summary>
/// Issue 16's attack 1 end to end, and a colluding uploader: the hostile aggregator relays an honest round of 3 (t = 3)
/// and keeps every upload c0_i and every decryption share h_j. It then asks the members for more sessions (one upload,
/// a subset, round 1's statements replayed as round 2) and gets no share; and every combination it can form from what it
/// holds (with a colluder's secret key too) yields the sum over U, never hospital-3's update, compared numerically with
/// the plaintext update.
/// </summary>
public sealed class HostileEndToEndAttackTests
{
    private const string Victim = HostileConsortium.Victim;

    [Fact]
    public async Task HostileAggregatorCannotDecryptOneParticipantsUpdateAfterAnHonestRound()
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync(threshold: 3);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        RoundConfig announced = await HonestRoundAsync(c, timeout.Token);
        RoundRecord round1 = RoundRecord.Of(c, 1);

        // 1. More sessions: one upload, a subset of U, round 1's statements replayed as round 2. Every member refuses.
        foreach ((string attack, DecryptionSession session) in new[]
        {
            ("single upload", round1.Session(1, [2])),
            ("subset of U", round1.Session(1, [0, 2])),
            ("replay as round 2", round1.Session(2, [0, 1, 2])),
        })
        {
            c.Hostile.Script = (_, method, _) => method == "GetDecryptionSession" ? session : null;
            RoundAnswer[] answers = await Task.WhenAll(c.Clients.Select(x => x.AnswerDecryptionAsync(session.Round, timeout.Token)));
            Assert.All(answers, a => Assert.False(a.Done, $"{attack}: {a.Detail}"));
            Assert.All(answers, a => Assert.StartsWith("refused (", a.Detail, StringComparison.Ordinal));
        }

        Assert.All(HostileConsortium.Ids, id => Assert.Single(c.Hostile.Sent<DecryptionShare>(id, "UploadDecryptionShares")));

        // 2. What it can combine from what it holds.
        ConsortiumConfig config = ConsortiumConfigLoader.Load(c.Files.ConsortiumFile);
        using EpochKeys victimKeys = EpochKeys.Deserialize(config.Preset.Aggregation, Victim, 1, File.ReadAllBytes(Path.Combine(c.VictimState, "epoch-1.keys")));
        RoundParameters p = RoundParameters.FromContract(announced, config.Preset, 1, victimKeys.EpochSeed.Span);
        SetDecryptionSession session1 = p.CreateSession(HostileConsortium.Ids, HostileConsortium.Ids);
        var decoder = new AggregateDecoder(p);
        float[][] updates = [.. Enumerable.Range(0, 3).Select(HostileConsortium.Update)];
        float[] victimUpdate = updates[2];

        float[] mean = decoder.DecodeMean([p.Scheme.Combine(session1, 0, Sum(p, round1.Uploads), round1.Shares)], 3);
        double honestError = Rms(mean, Average(updates));
        Assert.True(honestError < 0.1 * Rms(victimUpdate), $"the honest sum decodes to the mean (rms error {honestError})");

        // hospital-3's upload alone, its summand count forged to |U| so that the shares of the honest session apply.
        float[] alone = decoder.Decode([p.Scheme.Combine(session1, 0, ForgeSummands(p, round1.Uploads[2], 3), round1.Shares)], 1);
        AssertNotTheUpdate(alone, victimUpdate, "c0_h with the honest session's shares");

        // The sum minus the other two uploads (the aggregator holds them): the same as c0_h alone.
        float[] minusOthers = decoder.Decode([p.Scheme.Combine(session1, 0, ForgeSummands(p, Subtract(p, Sum(p, round1.Uploads), Sum(p, round1.Uploads[..2])), 3), round1.Shares)], 1);
        AssertNotTheUpdate(minusOthers, victimUpdate, "Σ c0 − c0_1 − c0_2 with the honest session's shares");
    }

    [Fact]
    public async Task HostileColludersUploadBuiltFromAnHonestUploadRevealsNothingButTheSumOverU()
    {
        await using HostileConsortium c = await HostileConsortium.StartAsync(threshold: 3);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        RoundConfig announced = await HonestRoundAsync(c, timeout.Token);
        RoundRecord round1 = RoundRecord.Of(c, 1);

        ConsortiumConfig config = ConsortiumConfigLoader.Load(c.Files.ConsortiumFile);
        AggregationParameters aggregation = config.Preset.Aggregation;
        EpochKeys[] keys = [.. HostileConsortium.Ids.Select(id => EpochKeys.Deserialize(aggregation, id, 1, File.ReadAllBytes(Path.Combine(c.StateOf(id), "epoch-1.keys"))))];
        try
        {
            RoundParameters p = RoundParameters.FromContract(announced, config.Preset, 1, keys[0].EpochSeed.Span);
            var decoder = new AggregateDecoder(p);
            float[][] updates = [.. Enumerable.Range(0, 3).Select(HostileConsortium.Update)];
            float[] victimUpdate = updates[2];

            // The colluder hospital-1 uploads c0_1* = c0_1 − c0_3 (it got hospital-3's upload from the aggregator first).
            byte[] crafted = Subtract(p, round1.Uploads[0], round1.Uploads[2]);

            // h ∈ U: a share depends only on (r, k, U, D), so the session over U = {1, 2, 3} gives the same shares as the honest one.
            SetDecryptionSession all = p.CreateSession(HostileConsortium.Ids, HostileConsortium.Ids);
            float[] inU = decoder.Decode([p.Scheme.Combine(all, 0, Sum(p, [crafted, round1.Uploads[1], round1.Uploads[2]]), round1.Shares)], 1);
            AssertNotTheUpdate(inU, victimUpdate, "h ∈ U: c0_1* + c0_2 + c0_3 with the session's shares");

            // h ∉ U: a session over U = {1, 2} (what members would answer in a consortium with m = 2), D = all three.
            SetDecryptionSession without = p.CreateSession(HostileConsortium.Ids[..2], HostileConsortium.Ids);
            float[] notInU = decoder.Decode([Decrypt(p, without, keys, Sum(p, [crafted, round1.Uploads[1]]))], 1);
            AssertNotTheUpdate(notInU, victimUpdate, "h ∉ U: c0_1* + c0_2 with the shares of U = {1, 2}");

            // The aggregator's best: the honest sum over U, minus what it knows (the colluder's own update): the sum of the
            // two honest updates, not hospital-3's.
            float[] sum = decoder.Decode([p.Scheme.Combine(all, 0, Sum(p, round1.Uploads), round1.Shares)], 1);
            float[] honestPart = [.. sum.Select((v, j) => v - updates[0][j])];
            float[] expected = [.. updates[1].Select((v, j) => v + updates[2][j])];
            Assert.True(Rms(honestPart, expected) < 0.1 * Rms(victimUpdate), $"the best combination is the honest sum (rms error {Rms(honestPart, expected)})");
            AssertNotTheUpdate(honestPart, victimUpdate, "the sum over U minus the colluder's update");
        }
        finally
        {
            foreach (EpochKeys k in keys)
            {
                k.Dispose();
            }
        }
    }

    /// <summary>An honest round 1 of all three through the hostile aggregator, published; returns the round's announcement it relayed.</summary>
    private static async Task<RoundConfig> HonestRoundAsync(HostileConsortium c, CancellationToken ct)
    {
        var configs = new System.Collections.Concurrent.ConcurrentQueue<RoundConfig>();
        c.Hostile.Alter = (_, answer) =>
        {
            if (answer is RoundConfig config)
            {
                configs.Enqueue(config);
            }

            return answer;
        };
        await c.JoinAndSubmitAllAsync(1, ct);
        await HostileDecryptionTests.ApproveAllAsync(c, 1, ct);
        RoundAnswer[] honest = await Task.WhenAll(c.Clients.Select(x => x.AnswerDecryptionAsync(1, ct)));
        Assert.All(honest, a => Assert.True(a.Done, a.Detail));
        Assert.Equal(1UL, await c.VictimClient.WaitForPublicationAsync(1, ct));
        return configs.First(x => x.Round == 1);
    }

    private static void AssertNotTheUpdate(float[] combined, float[] update, string what)
    {
        double error = Rms(combined, update);
        Assert.True(error > 0.5 * Rms(update), $"{what}: decodes within rms {error} of hospital-3's update (its rms is {Rms(update)})");
    }

    /// <summary>The members' shares computed with their epoch keys (honest members answering that session), combined with <paramref name="sum"/>.</summary>
    private static uint[] Decrypt(RoundParameters p, SetDecryptionSession session, EpochKeys[] members, byte[] sum)
    {
        var protocol = new SetDecryptionProtocol(p.Aggregation);
        SetDecryptionShare aggregate = protocol.AllocateShare();
        foreach (EpochKeys member in members)
        {
            SessionKeyShare key = protocol.PrepareSession(member.Shares, session);
            SetDecryptionShare share = protocol.AllocateShare();
            protocol.GenerateShare(key, p.Polynomial(0), share);
            protocol.AggregateShares(aggregate, share, aggregate);
        }

        return protocol.Finalize(session, MaskedUpload.Deserialize(p.Aggregation, sum), aggregate);
    }

    private static byte[] Sum(RoundParameters p, IEnumerable<byte[]> uploads)
    {
        MaskedUpload sum = p.Scheme.CreateEmptySum();
        foreach (byte[] upload in uploads)
        {
            p.Scheme.Fold(sum, upload);
        }

        return sum.Serialize();
    }

    /// <summary>What an adversary may send: the same c0 with another summand count in its header.</summary>
    private static byte[] ForgeSummands(RoundParameters p, byte[] upload, int summands)
    {
        byte[] forged = (byte[])upload.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(forged.AsSpan(MaskedUpload.HeaderBytes - 4), summands);
        Assert.Equal(summands, MaskedUpload.Deserialize(p.Aggregation, forged).SummandCount);
        return forged;
    }

    /// <summary>a − b coefficient-wise mod each prime (in NTT form, as the colluder can compute it), with a's summand count.</summary>
    private static byte[] Subtract(RoundParameters p, byte[] a, byte[] b)
    {
        MaskedUpload x = MaskedUpload.Deserialize(p.Aggregation, a), y = MaskedUpload.Deserialize(p.Aggregation, b);
        PropertyInfo c0 = typeof(MaskedUpload).GetProperty("C0", BindingFlags.NonPublic | BindingFlags.Instance)!;
        Poly px = (Poly)c0.GetValue(x)!, py = (Poly)c0.GetValue(y)!;
        for (int l = 0; l < px.LimbCount; l++)
        {
            ulong q = p.Aggregation.Primes[l];
            Span<ulong> lx = px.Limb(l), ly = py.Limb(l);
            for (int i = 0; i < lx.Length; i++)
            {
                lx[i] = lx[i] >= ly[i] ? lx[i] - ly[i] : lx[i] + q - ly[i];
            }
        }

        return x.Serialize();
    }

    private static float[] Average(float[][] updates) => [.. Enumerable.Range(0, updates[0].Length).Select(j => (float)updates.Average(u => (double)u[j]))];

    private static double Rms(float[] a) => Math.Sqrt(a.Average(v => (double)v * v));

    private static double Rms(float[] a, float[] b) => Math.Sqrt(a.Select((v, j) => ((double)v - b[j]) * ((double)v - b[j])).Average());

    /// <summary>What the hostile aggregator kept of a round: each site's upload chunk, commitment and approval, and each member's share.</summary>
    private sealed record RoundRecord(byte[][] Uploads, Proto.V1.SignedStatement[] Commitments, Proto.V1.SignedStatement[] Approvals, ReadOnlyMemory<byte>[] Shares)
    {
        public static RoundRecord Of(HostileConsortium c, ulong round)
        {
            string[] ids = HostileConsortium.Ids;
            CiphertextUploadMessage[][] messages = [.. ids.Select(id => c.Hostile.Sent<CiphertextUploadMessage>(id, "UploadCiphertexts").ToArray())];
            return new RoundRecord(
                [.. messages.Select(m => m.Single(x => x.Chunk is { } chunk && chunk.Round == round).Chunk.Ciphertext.ToByteArray())],
                [.. messages.Select(m => m.Last(x => x.Commitment is not null).Commitment)],
                [.. ids.Select(id => c.Hostile.Sent<SubmitApprovalRequest>(id, "SubmitApproval").Single(a => a.Round == round).Approval)],
                [.. ids.Select(id => (ReadOnlyMemory<byte>)c.Hostile.Sent<DecryptionShare>(id, "UploadDecryptionShares").Single(s => s.Round == round).Share.ToByteArray())]);
        }

        /// <summary>A session the aggregator makes up: <paramref name="round"/>, U = the sites at <paramref name="members"/> with their statements, D = all.</summary>
        public DecryptionSession Session(ulong round, int[] members)
        {
            var session = new DecryptionSession { Round = round, KeyEpochId = 1, TotalChunks = 1, Stage = RoundStage.Decrypting };
            session.DecryptionSet.AddRange(HostileConsortium.Ids);
            session.Commitments.AddRange(members.Select(i => Commitments[i]));
            session.Approvals.AddRange(members.Select(i => Approvals[i]));
            return session;
        }
    }
}

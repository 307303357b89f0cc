using System.Diagnostics;
using SecAgg.Crypto.Multiparty;
using SecAgg.Participant.Rounds;
using SecAgg.Participant.State;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Cli.Demo;

/// <summary>Wall-clock time of each stage of one secure round.</summary>
internal sealed record StageTimes(TimeSpan Train, TimeSpan Encrypt, TimeSpan Aggregate, TimeSpan Decrypt, TimeSpan Decode)
{
    public TimeSpan Total => Train + Encrypt + Aggregate + Decrypt + Decode;
}

/// <summary>Bytes one secure round moves between the participants and the aggregator.</summary>
internal sealed record WireBytes(long Uploads, long DecryptionRequests, long DecryptionShares, long ModelDownloads)
{
    public long Total => Uploads + DecryptionRequests + DecryptionShares + ModelDownloads;
}

/// <summary>What one secure round produced.</summary>
internal sealed record SecureRoundResult(int Round, float[] Mean, IReadOnlyList<int> DecryptionSet, StageTimes Times, WireBytes Bytes);

/// <summary>
/// A whole consortium's cryptography in one process: N participants (each a <see cref="ParticipantCrypto"/> over its
/// own 0600 state directory) and the aggregator's part (sum of ciphertexts, c1-only decryption requests, combining
/// the members' shares, decoding). The same Protocol types the networked service uses: <see cref="RoundParameters"/>,
/// <see cref="UpdateEncryptor"/>, <see cref="CiphertextScheme"/>, <see cref="AggregateDecoder"/>. The aggregator part
/// never touches a secret: it only sees ciphertexts, c1 and decryption shares.
/// </summary>
internal sealed class SecureConsortium
{
    private readonly ParticipantCrypto[] _participants;
    private readonly CollectivePublicKey _publicKey;

    private SecureConsortium(CiphertextScheme scheme, ParticipantCrypto[] participants, CollectivePublicKey publicKey, long setupBytes, TimeSpan setupTime)
    {
        Scheme = scheme;
        He = scheme.KeyParameters;
        _participants = participants;
        _publicKey = publicKey;
        SetupBytes = setupBytes;
        SetupTime = setupTime;
    }

    public MultipartyParameters He { get; }

    /// <summary>The ciphertext scheme (BFV or CKKS) over <see cref="He"/>'s key.</summary>
    public CiphertextScheme Scheme { get; }

    /// <summary>Bytes of the key epoch: public-key shares up, the collective key down, Shamir shares relayed.</summary>
    public long SetupBytes { get; }

    public TimeSpan SetupTime { get; }

    public int Parties => _participants.Length;

    /// <summary>
    /// The key epoch: every participant generates and stores s_i, sends p_i; the aggregator sums them into the
    /// collective key; every participant deals Shamir shares of s_i (relayed; pairwise encryption is the transport's
    /// job and not counted) and stores its combined threshold share.
    /// </summary>
    public static SecureConsortium Create(CiphertextScheme scheme, string stateRoot)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        MultipartyParameters he = scheme.KeyParameters;
        var watch = Stopwatch.StartNew();
        byte[] crs = CommonReferencePolynomial.NewSeed();
        var participants = Enumerable.Range(1, he.Parties)
            .Select(id => new ParticipantCrypto(scheme, id, ParticipantState.Open(Path.Combine(stateRoot, $"hospital-{id}"))))
            .ToArray();
        byte[][] shares = new byte[participants.Length][];
        Parallel.For(0, participants.Length, i => shares[i] = participants[i].CreatePublicKeyShare(crs));
        long bytes = shares.Sum(s => (long)s.Length);

        var protocol = new PublicKeyGenProtocol(he);
        PublicKeyShare aggregate = PublicKeyShare.Deserialize(he, shares[0]);
        foreach (byte[] share in shares.Skip(1))
        {
            protocol.AggregateShares(aggregate, PublicKeyShare.Deserialize(he, share), aggregate);
        }

        CollectivePublicKey pk = protocol.Finalize(aggregate, CommonReferencePolynomial.Expand(he, crs));
        byte[] pkBytes = pk.Serialize();
        bytes += (long)pkBytes.Length * participants.Length;
        pk = CollectivePublicKey.Deserialize(he, pkBytes);

        var dealt = new IReadOnlyList<byte[]>[participants.Length];
        Parallel.For(0, participants.Length, i => dealt[i] = participants[i].DealThresholdShares());
        bytes += 2 * dealt.Sum(d => d.Sum(s => (long)s.Length));
        Parallel.For(0, participants.Length, j => participants[j].AcceptThresholdShares([.. dealt.Select(d => d[j])]));
        return new SecureConsortium(scheme, participants, pk, bytes, watch.Elapsed);
    }

    /// <summary>
    /// One round: each hospital computes its update (<paramref name="computeUpdate"/>), quantizes, adds its noise share
    /// and encrypts; the aggregator sums the ciphertexts; the decryption set answers c1-only requests through its
    /// guarded ledger; the aggregator combines and decodes the weighted mean.
    /// </summary>
    public SecureRoundResult RunRound(int round, RoundParameters parameters, Func<int, float[]> computeUpdate, IReadOnlyList<ulong> weights, IReadOnlyList<int> decryptionSet)
    {
        var watch = Stopwatch.StartNew();
        float[][] updates = new float[Parties][];
        Parallel.For(0, Parties, i => updates[i] = computeUpdate(i));
        TimeSpan train = watch.Elapsed;

        watch.Restart();
        var uploads = new EncryptedUpdate[Parties];
        for (int i = 0; i < Parties; i++)
        {
            uploads[i] = _participants[i].EncryptUpdate(parameters, _publicKey, updates[i], weights[i]);
        }

        TimeSpan encrypt = watch.Elapsed;

        watch.Restart();
        int chunks = parameters.TotalChunks;
        var sums = new AggregateChunk[chunks];
        for (int c = 0; c < chunks; c++)
        {
            byte[] sum = uploads[0].Chunks[c].ToArray();
            for (int i = 1; i < Parties; i++)
            {
                Scheme.Add(c, sum, uploads[i].Chunks[c]);
            }

            sums[c] = Scheme.OpenAggregate(sum);
        }

        TimeSpan aggregate = watch.Elapsed;

        watch.Restart();
        byte[][] requests = [.. sums.Select(s => s.EncodeRequest())];
        var answers = new byte[decryptionSet.Count][][];
        Parallel.For(0, decryptionSet.Count, m =>
        {
            ParticipantCrypto member = _participants[decryptionSet[m] - 1];
            answers[m] = [.. requests.Select(r => member.AnswerDecryption(r, decryptionSet, Parties))];
        });
        var decrypted = new uint[chunks][];
        for (int c = 0; c < chunks; c++)
        {
            decrypted[c] = sums[c].Combine(answers.Select(a => (ReadOnlyMemory<byte>)a[c]));
        }

        TimeSpan decrypt = watch.Elapsed;

        watch.Restart();
        ulong totalWeight = weights.Aggregate(0UL, (a, w) => a + w);
        float[] mean = new AggregateDecoder(parameters).DecodeWeightedMean(decrypted, totalWeight);
        TimeSpan decode = watch.Elapsed;

        var bytes = new WireBytes(
            uploads.Sum(u => u.Chunks.Sum(c => (long)c.Length)),
            (long)decryptionSet.Count * requests.Sum(r => (long)r.Length),
            answers.Sum(a => a.Sum(s => (long)s.Length)),
            (long)Parties * mean.Length * sizeof(float));
        return new SecureRoundResult(round, mean, decryptionSet, new StageTimes(train, encrypt, aggregate, decrypt, decode), bytes);
    }
}

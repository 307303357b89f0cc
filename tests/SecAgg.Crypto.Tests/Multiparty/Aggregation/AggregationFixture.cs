using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>
/// A whole protocol-v2 key epoch on fixed seeds (AES-CTR test streams, never System.Random): N secrets, the seeded
/// t-of-N dealing, every member's <see cref="ThresholdKeyShares"/>, one encryptor per site, and helpers for a round.
/// </summary>
internal sealed class AggregationFixture
{
    public AggregationFixture(AggregationParameters parameters, string seed)
    {
        Parameters = parameters;
        Prng = Prng.FromSeed(System.Text.Encoding.UTF8.GetBytes(seed), "test");
        EpochSeed = new byte[32];
        Prng.Fill(EpochSeed);
        Secrets = [.. Enumerable.Range(1, parameters.Parties).Select(i => KeyShareSecret.Generate(parameters, i, Prng))];
        var dealer = new KeyShareDealer(parameters);
        Dealt = [.. Secrets.Select(s => dealer.GenerateShares(s, Prng))];
        KeyShares = [.. Enumerable.Range(1, parameters.Parties).Select(j => dealer.AggregateShares(j, [.. Dealt.Select(d => d[j - 1])]))];
        Encryptors = [.. Secrets.Select(s => new MaskedEncryptor(parameters, s))];
        Protocol = new SetDecryptionProtocol(parameters);
    }

    public AggregationParameters Parameters { get; }

    public Prng Prng { get; }

    public byte[] EpochSeed { get; }

    public KeyShareSecret[] Secrets { get; }

    /// <summary>Dealt[i − 1][j − 1] = f_i(j).</summary>
    public DealtKeyShare[][] Dealt { get; }

    public ThresholdKeyShares[] KeyShares { get; }

    public MaskedEncryptor[] Encryptors { get; }

    public SetDecryptionProtocol Protocol { get; }

    public RoundPolynomial A(ulong round, int chunk = 0) => RoundPolynomial.Expand(Parameters, EpochSeed, round, chunk);

    public uint[] RandomValues()
    {
        var v = new uint[Parameters.ValuesPerChunk];
        ulong mask = (1UL << Parameters.ValueBits) - 1;
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (uint)(Prng.NextUInt64() & mask);
        }

        return v;
    }

    /// <summary>Every party uploads random values (extremes at the start) for (round, chunk).</summary>
    public (MaskedUpload[] Uploads, uint[][] Values) UploadAll(RoundPolynomial a)
    {
        uint[][] values = [.. Enumerable.Range(0, Parameters.Parties).Select(_ => RandomValues())];
        values[0][0] = 0;
        values[0][1] = (uint)((1UL << Parameters.ValueBits) - 1);
        MaskedUpload[] uploads = [.. values.Select((v, i) => Encrypt(i + 1, v, a))];
        return (uploads, values);
    }

    public MaskedUpload Encrypt(int party, uint[] values, RoundPolynomial a)
    {
        MaskedUpload upload = MaskedUpload.CreateEmptySum(Parameters);
        Encryptors[party - 1].Encrypt(values, a, upload, Prng);
        return upload;
    }

    public static MaskedUpload Sum(IEnumerable<int> parties, MaskedUpload[] uploads)
    {
        MaskedUpload sum = MaskedUpload.CreateEmptySum(uploads[0].Parameters);
        foreach (int i in parties)
        {
            sum.AddInplace(uploads[i - 1]);
        }

        return sum;
    }

    /// <summary>The exact sums of the given parties' values, reduced mod 2^b (the reference: plain integers).</summary>
    public uint[] ExpectedSum(IEnumerable<int> parties, uint[][] values)
    {
        var sums = new ulong[Parameters.ValuesPerChunk];
        foreach (int i in parties)
        {
            for (int j = 0; j < sums.Length; j++)
            {
                sums[j] += values[i - 1][j];
            }
        }

        ulong mask = (1UL << Parameters.ValueBits) - 1;
        return [.. sums.Select(s => (uint)(s & mask))];
    }

    /// <summary>Each member of D answers the session for the chunk of <paramref name="a"/>; returns the aggregate.</summary>
    public SetDecryptionShare Answer(SetDecryptionSession session, RoundPolynomial a, IEnumerable<int>? members = null)
    {
        SetDecryptionShare aggregate = Protocol.AllocateShare();
        foreach (int j in members ?? session.Decryptors)
        {
            using SessionKeyShare key = Protocol.PrepareSession(KeyShares[j - 1], session);
            SetDecryptionShare h = Protocol.AllocateShare();
            Protocol.GenerateShare(key, a, h, Prng);
            Protocol.AggregateShares(aggregate, h, aggregate);
        }

        return aggregate;
    }

    public SetDecryptionSession Session(ulong round, IEnumerable<int> uploaders, IEnumerable<int> decryptors, int chunks = 1, ulong epoch = 7) =>
        new(Parameters, epoch, round, chunks, uploaders, decryptors);

    /// <summary>A random non-empty subset of 1..N (any size) and a random D of size t.</summary>
    public (int[] U, int[] D) RandomSets()
    {
        int n = Parameters.Parties;
        int[] u = [.. Enumerable.Range(1, n).Where(_ => (Prng.NextUInt64() & 1) == 0)];
        if (u.Length == 0)
        {
            u = [(int)(Prng.NextBelow((ulong)n) + 1)];
        }

        int[] d = [.. Enumerable.Range(1, n).OrderBy(_ => Prng.NextUInt64()).Take(Parameters.Threshold).Order()];
        return (u, d);
    }
}

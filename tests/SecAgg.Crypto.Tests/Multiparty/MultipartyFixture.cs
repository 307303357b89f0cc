using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Tests.Multiparty;

/// <summary>Deterministic set-up of N parties (fixed seeds; the AES-CTR test stream, never System.Random).</summary>
internal sealed class MultipartyFixture
{
    private CollectiveEncryptor? _encryptor;

    public MultipartyFixture(MultipartyParameters parameters, string seed)
    {
        Parameters = parameters;
        Prng = Prng.FromSeed(System.Text.Encoding.UTF8.GetBytes(seed), "test");
        var crsSeed = new byte[32];
        Prng.Fill(crsSeed);
        Crp = CommonReferencePolynomial.Expand(parameters, crsSeed);
        Secrets = Enumerable.Range(1, parameters.Parties).Select(i => PartySecret.Generate(parameters, i, Prng)).ToArray();
        var pkg = new PublicKeyGenProtocol(parameters);
        PublicKeyShare agg = pkg.AllocateShare();
        foreach (PartySecret s in Secrets)
        {
            PublicKeyShare share = pkg.AllocateShare();
            pkg.GenerateShare(s, Crp, share, Prng);
            pkg.AggregateShares(agg, share, agg);
        }

        PublicKey = pkg.Finalize(agg, Crp);
    }

    public MultipartyParameters Parameters { get; }

    public Prng Prng { get; }

    public CommonReferencePolynomial Crp { get; }

    public PartySecret[] Secrets { get; }

    public CollectivePublicKey PublicKey { get; }

    /// <summary>The packed-BFV encryptor (created on first use: CKKS parameters have none).</summary>
    public CollectiveEncryptor Encryptor => _encryptor ??= new CollectiveEncryptor(PublicKey);

    public uint[] RandomValues(int count)
    {
        var v = new uint[count];
        ulong mask = (1UL << Parameters.ValueBits) - 1;
        for (int i = 0; i < count; i++)
        {
            v[i] = (uint)(Prng.NextUInt64() & mask);
        }

        return v;
    }

    /// <summary>Encrypts one random vector per party, sums the ciphertexts; returns the sum and the exact plaintext sums.</summary>
    public (CompactCiphertext Sum, ulong[] Expected) EncryptAndSum(int summands)
    {
        int count = Parameters.ValuesPerCiphertext;
        var expected = new ulong[count];
        CompactCiphertext? sum = null;
        for (int i = 0; i < summands; i++)
        {
            uint[] v = RandomValues(count);
            if (i == 0)
            {
                v[0] = 0;
                v[1] = (uint)((1UL << Parameters.ValueBits) - 1);
            }

            for (int j = 0; j < count; j++)
            {
                expected[j] += v[j];
            }

            CompactCiphertext ct = Encryptor.Encrypt(v, Prng);
            if (sum is null)
            {
                sum = ct;
            }
            else
            {
                sum.AddInplace(ct);
            }
        }

        return (sum!, expected);
    }

    public ThresholdSecretShare[] DealThreshold()
    {
        var th = new Thresholdizer(Parameters);
        ShamirShare[][] dealt = Secrets.Select(s => th.GenerateShares(s, Prng)).ToArray();
        return Enumerable.Range(1, Parameters.Parties)
            .Select(j => th.AggregateShares(j, dealt.Select(d => d[j - 1]).ToArray()))
            .ToArray();
    }

    public DecryptionShare Decrypt(CompactCiphertext ct, IEnumerable<DecryptionSecret> members)
    {
        var proto = new DecryptionShareProtocol(Parameters);
        DecryptionShare agg = proto.AllocateShare();
        foreach (DecryptionSecret m in members)
        {
            DecryptionShare h = proto.AllocateShare();
            proto.GenerateShare(m, ct, h, Prng);
            proto.AggregateShares(agg, h, agg);
        }

        return agg;
    }
}

using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// The Shamir share f_i(j) that dealer i sends (in its pairwise envelope) to recipient j in a protocol-v2 key epoch,
/// in NTT form: f_i is dealer i's uniformly random polynomial of degree t − 1 per NTT evaluation and prime with
/// f_i(0) = NTT(s_i) (sharing commutes with the NTT, which is linear per prime). A share that dealer i fixed through a
/// seed (<see cref="IsSeeded"/>) travels as that 32-byte seed. Secret: zero it with <see cref="Dispose"/>.
/// </summary>
public sealed class DealtKeyShare : IDisposable
{
    /// <summary>The domain label of seeded shares: the share is the uniform expansion of
    /// <see cref="Prng.FromSeed(ReadOnlySpan{byte}, string)"/>(seed, this label).</summary>
    public const string SeedLabel = "secagg/v2/shamir-seeded-share";

    private Poly? _value;

    /// <summary>A share held as its value (<paramref name="seed"/> null) or as the seed that <paramref name="value"/>
    /// expands from; with a seed, <paramref name="value"/> may be null and is then expanded when first read.</summary>
    internal DealtKeyShare(AggregationParameters parameters, int dealer, int recipient, Poly? value, byte[]? seed)
    {
        if (value is null && seed is null)
        {
            throw new ArgumentException("A dealt share needs its value or its seed.", nameof(value));
        }

        Parameters = parameters;
        DealerId = dealer;
        RecipientId = recipient;
        _value = value;
        Seed = seed;
    }

    /// <summary>The parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>The dealer i.</summary>
    public int DealerId { get; }

    /// <summary>The recipient j (the evaluation point).</summary>
    public int RecipientId { get; }

    /// <summary>Whether the share travels as a 32-byte seed rather than a full polynomial.</summary>
    public bool IsSeeded => Seed is not null;

    /// <summary>f_i(j), NTT form, every prime (a seeded share read from bytes is expanded on first use).</summary>
    internal Poly Value => _value ??= ExpandSeed(Parameters, Seed!);

    internal byte[]? Seed { get; }

    /// <summary>Bytes of <see cref="Serialize"/>'s output.</summary>
    public int SerializedBytes => HeaderBytes + (IsSeeded ? Prng.SeedLength : Parameters.PolyBytes);

    private const int HeaderBytes = MpWire.PrefixBytes + 8;

    /// <summary>Writes prefix (kind 17, or 18 when seeded), dealer, recipient, then the bit-packed NTT-form limbs or
    /// the seed. Either is as secret as the share.</summary>
    public byte[] Serialize()
    {
        var buf = new byte[SerializedBytes];
        MpWire.WritePrefix(buf, IsSeeded ? MpKind.SeededDealtKeyShare : MpKind.DealtKeyShare, Parameters.Digest.Span);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes), DealerId);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes + 4), RecipientId);
        if (Seed is not null)
        {
            Seed.CopyTo(buf, HeaderBytes);
        }
        else
        {
            MpWire.WritePoly(buf.AsSpan(HeaderBytes), Parameters.Ring, Value);
        }

        return buf;
    }

    /// <summary>Reads a full or seeded share.</summary>
    /// <exception cref="InvalidDataException">Length, prefix, party ids or a residue are wrong.</exception>
    public static DealtKeyShare Deserialize(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        bool seeded = data.Length > 5 && data[5] == (byte)MpKind.SeededDealtKeyShare;
        MpWire.ReadPrefix(data, seeded ? MpKind.SeededDealtKeyShare : MpKind.DealtKeyShare, parameters.Digest.Span, "aggregation parameters", "dealt key share");
        int expected = HeaderBytes + (seeded ? Prng.SeedLength : parameters.PolyBytes);
        if (data.Length != expected)
        {
            throw new InvalidDataException($"The dealt key share has {data.Length} bytes; expected {expected}.");
        }

        int dealer = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
        int recipient = MpWire.ReadInt(data[(MpWire.PrefixBytes + 4)..]);
        if (dealer < 1 || dealer > parameters.Parties || recipient < 1 || recipient > parameters.Parties)
        {
            throw new InvalidDataException($"The dealt key share names a party outside 1..{parameters.Parties}.");
        }

        if (seeded)
        {
            // The seed is the share: it is expanded only where the value is needed (a kept share stays a seed).
            return new DealtKeyShare(parameters, dealer, recipient, null, data.Slice(HeaderBytes, Prng.SeedLength).ToArray());
        }

        Poly value = parameters.Ring.NewPoly();
        MpWire.ReadPoly(data[HeaderBytes..], parameters.Ring, value, isNtt: true, "dealt key share");
        return new DealtKeyShare(parameters, dealer, recipient, value, null);
    }

    /// <summary>The share a seed stands for: every limb uniform mod its prime (<see cref="UniformSampler.Sample"/> on
    /// <see cref="Prng.FromSeed(ReadOnlySpan{byte}, string)"/>(seed, <see cref="SeedLabel"/>)), as NTT evaluations.</summary>
    internal static Poly ExpandSeed(AggregationParameters parameters, ReadOnlySpan<byte> seed)
    {
        Poly value = parameters.Ring.NewPoly();
        ExpandSeed(parameters, seed, value);
        return value;
    }

    /// <summary><see cref="ExpandSeed(AggregationParameters, ReadOnlySpan{byte})"/> into <paramref name="destination"/>
    /// (a full-limb polynomial of the ring, overwritten and marked NTT form).</summary>
    internal static void ExpandSeed(AggregationParameters parameters, ReadOnlySpan<byte> seed, Poly destination)
    {
        using Prng prng = Prng.FromSeed(seed, SeedLabel);
        UniformSampler.Sample(prng, parameters.Ring, destination);
        destination.IsNtt = true;
    }

    /// <summary>Zeroes the share.</summary>
    public void Dispose()
    {
        _value?.Clear();
        if (Seed is not null)
        {
            Array.Clear(Seed);
        }
    }
}

using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// The share f_i(x_j) that dealer i sends (encrypted, over a pairwise channel) to recipient j, where
/// f_i is dealer i's random degree-(threshold−1) polynomial per coefficient and limb with f_i(0) = s_i.
/// Secret: zero it with <see cref="Dispose"/>.
/// </summary>
public sealed class ShamirShare : IDisposable
{
    internal ShamirShare(MultipartyParameters parameters, int dealer, int recipient, Poly value)
    {
        Parameters = parameters;
        DealerId = dealer;
        RecipientId = recipient;
        Value = value;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>Dealer party id.</summary>
    public int DealerId { get; }

    /// <summary>Recipient party id (the evaluation point).</summary>
    public int RecipientId { get; }

    internal Poly Value { get; }

    /// <summary>For a share that is the expansion of a seed (<see cref="ExpandSeed"/>): the seed, which is what is sent.</summary>
    internal byte[]? Seed { get; init; }

    /// <summary>Whether the share travels as a 32-byte seed rather than a full polynomial.</summary>
    public bool IsSeeded => Seed is not null;

    /// <summary>
    /// Serializes: prefix, dealer, recipient, then the bit-packed key-level limbs, or for a seeded share (kind 8) the
    /// 32-byte seed whose <see cref="ExpandSeed"/> is the share. Either is as secret as the share itself.
    /// </summary>
    public byte[] Serialize()
    {
        if (Seed is null)
        {
            return ShareCodec.Write(Parameters, MpKind.ShamirShare, DealerId, RecipientId, Value);
        }

        var buf = new byte[MpWire.PrefixBytes + 8 + Prng.SeedLength];
        MpWire.WritePrefix(buf, MpKind.SeededShamirShare, Parameters);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes), DealerId);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes + 4), RecipientId);
        Seed.CopyTo(buf, MpWire.PrefixBytes + 8);
        return buf;
    }

    /// <summary>Parses and validates a share (full or seeded).</summary>
    public static ShamirShare Deserialize(MultipartyParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (data.Length > 5 && data[5] == (byte)MpKind.SeededShamirShare)
        {
            MpWire.ReadPrefix(data, MpKind.SeededShamirShare, parameters, "seeded Shamir share");
            int expected = MpWire.PrefixBytes + 8 + Prng.SeedLength;
            if (data.Length != expected)
            {
                throw new InvalidDataException($"The seeded Shamir share has {data.Length} bytes; expected {expected}.");
            }

            int a = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
            int b = MpWire.ReadInt(data[(MpWire.PrefixBytes + 4)..]);
            if (a < 1 || a > parameters.Parties || b < 1 || b > parameters.Parties)
            {
                throw new InvalidDataException($"The seeded Shamir share names a party outside 1..{parameters.Parties}.");
            }

            byte[] seed = data.Slice(MpWire.PrefixBytes + 8, Prng.SeedLength).ToArray();
            return new ShamirShare(parameters, a, b, ExpandSeed(parameters, seed)) { Seed = seed };
        }

        (int dealer, int recipient, Poly value) = ShareCodec.Read(parameters, MpKind.ShamirShare, data, "Shamir share");
        return new ShamirShare(parameters, dealer, recipient, value);
    }

    /// <summary>
    /// The share a seed stands for: every key-level limb uniform mod its prime, from
    /// <see cref="Prng.FromSeed(ReadOnlySpan{byte}, string)"/>(seed, "secagg/v1/shamir-seeded-share") with the rejection
    /// procedure of <see cref="UniformSampler.Sample"/>, in coefficient form.
    /// </summary>
    internal static Poly ExpandSeed(MultipartyParameters parameters, ReadOnlySpan<byte> seed)
    {
        Poly value = parameters.KeyRing.NewPoly();
        using (Prng prng = Prng.FromSeed(seed, "secagg/v1/shamir-seeded-share"))
        {
            UniformSampler.Sample(prng, parameters.KeyRing, value);
        }

        value.IsNtt = false;
        return value;
    }

    /// <summary>Zeroes the share.</summary>
    public void Dispose()
    {
        Value.Clear();
        if (Seed is not null)
        {
            Array.Clear(Seed);
        }
    }
}

/// <summary>
/// Party j's threshold secret s'_j = Σ_i f_i(x_j): a Shamir share of s = Σ s_i at point j.
/// Secret: keep it like the party secret (file mode 0600) and zero it with <see cref="Dispose"/>.
/// </summary>
public sealed class ThresholdSecretShare : IDisposable
{
    internal ThresholdSecretShare(MultipartyParameters parameters, int partyId, Poly value)
    {
        Parameters = parameters;
        PartyId = partyId;
        Value = value;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>The owner's party id.</summary>
    public int PartyId { get; }

    internal Poly Value { get; }

    /// <summary>Serializes: prefix, owner id (twice), bit-packed key-level limbs.</summary>
    public byte[] Serialize() => ShareCodec.Write(Parameters, MpKind.ThresholdSecretShare, PartyId, PartyId, Value);

    /// <summary>Parses and validates a threshold secret share.</summary>
    public static ThresholdSecretShare Deserialize(MultipartyParameters parameters, ReadOnlySpan<byte> data)
    {
        (int a, int b, Poly value) = ShareCodec.Read(parameters, MpKind.ThresholdSecretShare, data, "threshold secret share");
        if (a != b)
        {
            throw new InvalidDataException("The threshold secret share's owner fields disagree.");
        }

        return new ThresholdSecretShare(parameters, a, value);
    }

    /// <summary>Zeroes the share.</summary>
    public void Dispose() => Value.Clear();
}

internal static class ShareCodec
{
    public static byte[] Write(MultipartyParameters p, MpKind kind, int a, int b, Poly value)
    {
        var buf = new byte[MpWire.PrefixBytes + 8 + MpWire.PolyBytes(p.KeyRing, p.Primes.Count)];
        MpWire.WritePrefix(buf, kind, p);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes), a);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes + 4), b);
        MpWire.WritePoly(buf.AsSpan(MpWire.PrefixBytes + 8), p.KeyRing, value);
        return buf;
    }

    public static (int, int, Poly) Read(MultipartyParameters p, MpKind kind, ReadOnlySpan<byte> data, string what)
    {
        ArgumentNullException.ThrowIfNull(p);
        MpWire.ReadPrefix(data, kind, p, what);
        int expected = MpWire.PrefixBytes + 8 + MpWire.PolyBytes(p.KeyRing, p.Primes.Count);
        if (data.Length != expected)
        {
            throw new InvalidDataException($"The {what} has {data.Length} bytes; expected {expected}.");
        }

        int a = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
        int b = MpWire.ReadInt(data[(MpWire.PrefixBytes + 4)..]);
        if (a < 1 || a > p.Parties || b < 1 || b > p.Parties)
        {
            throw new InvalidDataException($"The {what} names a party outside 1..{p.Parties}.");
        }

        return (a, b, MpWire.ReadPoly(data[(MpWire.PrefixBytes + 8)..], p.KeyRing, p.Primes.Count, what));
    }
}

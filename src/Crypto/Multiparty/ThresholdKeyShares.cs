using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// What member j keeps for a protocol-v2 key epoch: the N Shamir shares f_i(j), one per dealer i (its own included),
/// in NTT form, separately (a decryption session combines Σ_{i∈U} f_i(j) for its own U;
/// <see cref="SetDecryptionProtocol.PrepareSession"/>). Secret: keep <see cref="Serialize"/>'s bytes in a 0600 file
/// (seeded shares stay 32-byte seeds there) and <see cref="Dispose"/> to zero them. Memory: N·n·L words.
/// </summary>
public sealed class ThresholdKeyShares : IDisposable
{
    private readonly Poly[] _shares;
    private readonly byte[]?[] _seeds;
    private bool _disposed;

    internal ThresholdKeyShares(AggregationParameters parameters, int partyId, Poly[] shares, byte[]?[] seeds)
    {
        Parameters = parameters;
        PartyId = partyId;
        _shares = shares;
        _seeds = seeds;
    }

    /// <summary>The parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>The owner j.</summary>
    public int PartyId { get; }

    /// <summary>f_i(j) for dealer i (NTT form).</summary>
    internal Poly ShareFrom(int dealer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _shares[dealer - 1];
    }

    /// <summary>Bytes of <see cref="Serialize"/>'s output.</summary>
    public int SerializedBytes => MpWire.PrefixBytes + 4 + _seeds.Sum(s => 1 + (s is null ? Parameters.PolyBytes : Prng.SeedLength));

    /// <summary>Writes prefix (kind 19), owner, then per dealer 1..N a tag byte (0: bit-packed NTT-form limbs follow;
    /// 1: the 32-byte seed follows).</summary>
    public byte[] Serialize()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var buf = new byte[SerializedBytes];
        MpWire.WritePrefix(buf, MpKind.ThresholdKeyShares, Parameters.Digest.Span);
        MpWire.WriteInt(buf.AsSpan(MpWire.PrefixBytes), PartyId);
        int pos = MpWire.PrefixBytes + 4;
        for (int i = 0; i < _shares.Length; i++)
        {
            if (_seeds[i] is byte[] seed)
            {
                buf[pos++] = 1;
                seed.CopyTo(buf, pos);
                pos += seed.Length;
            }
            else
            {
                buf[pos++] = 0;
                pos += MpWire.WritePoly(buf.AsSpan(pos), Parameters.Ring, _shares[i]);
            }
        }

        return buf;
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote (seeds are expanded again).</summary>
    /// <exception cref="InvalidDataException">Any malformed byte (length, prefix, owner, tag, residue, padding).</exception>
    public static ThresholdKeyShares Deserialize(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        const string what = "threshold key shares";
        MpWire.ReadPrefix(data, MpKind.ThresholdKeyShares, parameters.Digest.Span, "aggregation parameters", what);
        if (data.Length < MpWire.PrefixBytes + 4)
        {
            throw new InvalidDataException($"The {what} are truncated ({data.Length} bytes).");
        }

        int owner = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
        if (owner < 1 || owner > parameters.Parties)
        {
            throw new InvalidDataException($"The {what} name party {owner}, outside 1..{parameters.Parties}.");
        }

        var shares = new Poly[parameters.Parties];
        var seeds = new byte[]?[parameters.Parties];
        int pos = MpWire.PrefixBytes + 4;
        for (int i = 0; i < shares.Length; i++)
        {
            int tag = pos < data.Length ? data[pos++] : throw new InvalidDataException($"The {what} are truncated at dealer {i + 1}.");
            int size = tag switch
            {
                0 => parameters.PolyBytes,
                1 => Prng.SeedLength,
                _ => throw new InvalidDataException($"The {what} have tag {tag} for dealer {i + 1}; expected 0 (full) or 1 (seed)."),
            };
            if (data.Length - pos < size)
            {
                throw new InvalidDataException($"The {what} are truncated at dealer {i + 1}.");
            }

            if (tag == 1)
            {
                seeds[i] = data.Slice(pos, size).ToArray();
                shares[i] = DealtKeyShare.ExpandSeed(parameters, seeds[i]);
            }
            else
            {
                shares[i] = parameters.Ring.NewPoly();
                MpWire.ReadPoly(data.Slice(pos, size), parameters.Ring, shares[i], isNtt: true, what);
            }

            pos += size;
        }

        if (pos != data.Length)
        {
            throw new InvalidDataException($"The {what} have {data.Length - pos} trailing bytes.");
        }

        return new ThresholdKeyShares(parameters, owner, shares, seeds);
    }

    /// <summary>Zeroes every share and seed.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        foreach (Poly p in _shares)
        {
            p.Clear();
        }

        foreach (byte[]? s in _seeds)
        {
            if (s is not null)
            {
                Array.Clear(s);
            }
        }

        _disposed = true;
    }
}

using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// What member j keeps for a protocol-v2 key epoch: the N Shamir shares f_i(j), one per dealer i (its own included),
/// in NTT form, separately (a decryption session combines Σ_{i∈U} f_i(j) for its own U;
/// <see cref="SetDecryptionProtocol.PrepareSession"/>). Secret: keep <see cref="Serialize"/>'s bytes in a 0600 file
/// (seeded shares stay 32-byte seeds there) and <see cref="Dispose"/> to zero them.
/// <para>Memory: the shares are held in their compact wire form (a 32-byte seed, or the bit-packed limbs) and expanded
/// one at a time when used (<see cref="CopyShareTo"/>): N·(packed poly or seed) bytes, never N polynomials.</para>
/// <para>The total T_j = Σ_{i=1..N} f_i(j) is kept as well (one packed polynomial, computed once when the shares are
/// kept), so that a session whose U holds most parties starts from it and subtracts the few dealers outside U instead
/// of expanding every dealer's share each round (<see cref="TryCopyTotalTo"/>). Wire form: prefix (kind 19), owner, per
/// dealer 1..N a tag byte (0: packed NTT-form limbs follow; 1: the 32-byte seed), then tag 2 and T_j packed. Bytes
/// written before the total existed (no tag 2 entry) still read: their sessions sum the dealers' shares.</para>
/// </summary>
public sealed class ThresholdKeyShares : IDisposable
{
    private const string What = "threshold key shares";
    private const int EntriesStart = MpWire.PrefixBytes + 4;

    /// <summary><see cref="Serialize"/>'s bytes (validated); entry i − 1 (after its tag byte) at _offsets[i − 1].</summary>
    private readonly byte[] _blob;
    private readonly int[] _offsets;
    private readonly bool[] _seeded;
    private readonly int _totalOffset; // of T_j's packed limbs (after its tag byte), or −1 when the bytes hold no total
    private bool _disposed;

    private ThresholdKeyShares(AggregationParameters parameters, int partyId, byte[] blob, int[] offsets, bool[] seeded, int totalOffset)
    {
        Parameters = parameters;
        PartyId = partyId;
        _blob = blob;
        _offsets = offsets;
        _seeded = seeded;
        _totalOffset = totalOffset;
    }

    /// <summary>Tag of the total's entry after the N dealers' entries.</summary>
    private const byte TotalTag = 2;

    /// <summary>The parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>The owner j.</summary>
    public int PartyId { get; }

    /// <summary>Bytes of <see cref="Serialize"/>'s output.</summary>
    public int SerializedBytes => _blob.Length;

    /// <summary>Writes f_i(j) for dealer <paramref name="dealer"/> (NTT form, every prime) into <paramref name="destination"/>
    /// (a full-limb polynomial of the ring, overwritten; the caller wipes it): a seed is expanded
    /// (<see cref="DealtKeyShare.ExpandSeed(AggregationParameters, ReadOnlySpan{byte}, Poly)"/>), packed limbs are unpacked.</summary>
    internal void CopyShareTo(int dealer, Poly destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Parameters.CheckPartyId(dealer, nameof(dealer));
        ReadOnlySpan<byte> entry = _blob.AsSpan(_offsets[dealer - 1]);
        if (_seeded[dealer - 1])
        {
            DealtKeyShare.ExpandSeed(Parameters, entry[..Prng.SeedLength], destination);
        }
        else
        {
            MpWire.ReadPoly(entry[..Parameters.PolyBytes], Parameters.Ring, destination, isNtt: true, What);
        }
    }

    /// <summary>
    /// k_j = HMAC-SHA256(key = the owner's own entry f_j(j) as stored (its 32-byte seed, or its packed limbs), message =
    /// "secagg/v2/flooding-key") into <paramref name="destination"/> (32 bytes; the caller wipes it): the member's secret
    /// from which its flooding is derived (<see cref="SessionKeyShare"/>). f_j(j) never leaves member j (dealer j sends
    /// f_j(i) to the others only, and c ≤ t − 1 of those leave f_j(j) uniform), so k_j is as secret as s_j.
    /// </summary>
    internal void DeriveFloodingKey(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int own = PartyId - 1;
        int size = _seeded[own] ? Prng.SeedLength : Parameters.PolyBytes;
        HMACSHA256.HashData(_blob.AsSpan(_offsets[own], size), "secagg/v2/flooding-key"u8, destination);
    }

    /// <summary>Writes T_j = Σ_{i=1..N} f_i(j) (NTT form) into <paramref name="destination"/> (overwritten; the caller
    /// wipes it) and returns true, or returns false when these shares were read from bytes that hold no total.</summary>
    internal bool TryCopyTotalTo(Poly destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_totalOffset < 0)
        {
            return false;
        }

        MpWire.ReadPoly(_blob.AsSpan(_totalOffset, Parameters.PolyBytes), Parameters.Ring, destination, isNtt: true, What);
        return true;
    }

    /// <summary>f_i(j) for dealer <paramref name="dealer"/> as a fresh polynomial the caller wipes (tests and references;
    /// production code expands into a reused buffer with <see cref="CopyShareTo"/>).</summary>
    internal Poly ShareFrom(int dealer)
    {
        Poly value = Parameters.Ring.NewPoly();
        CopyShareTo(dealer, value);
        return value;
    }

    /// <summary>The stored wire form (tests: wiping).</summary>
    internal ReadOnlySpan<byte> StoredBytes => _blob;

    /// <summary>Writes prefix (kind 19), owner, then per dealer 1..N a tag byte (0: bit-packed NTT-form limbs follow;
    /// 1: the 32-byte seed follows), then tag 2 and the total T_j packed (when these shares hold it).</summary>
    public byte[] Serialize()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (byte[])_blob.Clone();
    }

    /// <summary>The kept shares of <paramref name="ownId"/>, one per dealer 1..N in order (checked by the caller):
    /// seeded ones stay seeds, others are packed; their total T_j is computed here and packed after them.</summary>
    internal static ThresholdKeyShares FromShares(AggregationParameters parameters, int ownId, IReadOnlyList<DealtKeyShare> byDealer)
    {
        int size = EntriesStart + byDealer.Sum(s => 1 + (s.IsSeeded ? Prng.SeedLength : parameters.PolyBytes)) + 1 + parameters.PolyBytes;
        var blob = new byte[size];
        var offsets = new int[byDealer.Count];
        var seeded = new bool[byDealer.Count];
        MpWire.WritePrefix(blob, MpKind.ThresholdKeyShares, parameters.Digest.Span);
        MpWire.WriteInt(blob.AsSpan(MpWire.PrefixBytes), ownId);
        RingQ ring = parameters.Ring;
        Poly total = ring.NewPoly();
        total.IsNtt = true;
        try
        {
            int pos = EntriesStart;
            for (int i = 0; i < byDealer.Count; i++)
            {
                DealtKeyShare share = byDealer[i];
                seeded[i] = share.IsSeeded;
                blob[pos++] = share.IsSeeded ? (byte)1 : (byte)0;
                offsets[i] = pos;
                if (share.Seed is byte[] seed)
                {
                    seed.CopyTo(blob, pos);
                    pos += seed.Length;
                }
                else
                {
                    pos += MpWire.WritePoly(blob.AsSpan(pos), ring, share.Value);
                }

                ring.Add(total, share.Value, total);
            }

            blob[pos++] = TotalTag;
            MpWire.WritePoly(blob.AsSpan(pos), ring, total);
            return new ThresholdKeyShares(parameters, ownId, blob, offsets, seeded, pos);
        }
        finally
        {
            total.Clear();
        }
    }

    /// <summary>Reads what <see cref="Serialize"/> wrote and checks every byte (each packed residue against its prime,
    /// without storing it); seeds are expanded only when used.</summary>
    /// <exception cref="InvalidDataException">Any malformed byte (length, prefix, owner, tag, residue, padding).</exception>
    public static ThresholdKeyShares Deserialize(AggregationParameters parameters, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MpWire.ReadPrefix(data, MpKind.ThresholdKeyShares, parameters.Digest.Span, "aggregation parameters", What);
        if (data.Length < EntriesStart)
        {
            throw new InvalidDataException($"The {What} are truncated ({data.Length} bytes).");
        }

        int owner = MpWire.ReadInt(data[MpWire.PrefixBytes..]);
        if (owner < 1 || owner > parameters.Parties)
        {
            throw new InvalidDataException($"The {What} name party {owner}, outside 1..{parameters.Parties}.");
        }

        var offsets = new int[parameters.Parties];
        var seeded = new bool[parameters.Parties];
        int totalOffset = -1;
        int pos = EntriesStart;
        for (int i = 0; i < offsets.Length; i++)
        {
            int tag = pos < data.Length ? data[pos++] : throw new InvalidDataException($"The {What} are truncated at dealer {i + 1}.");
            int size = tag switch
            {
                0 => parameters.PolyBytes,
                1 => Prng.SeedLength,
                _ => throw new InvalidDataException($"The {What} have tag {tag} for dealer {i + 1}; expected 0 (full) or 1 (seed)."),
            };
            if (data.Length - pos < size)
            {
                throw new InvalidDataException($"The {What} are truncated at dealer {i + 1}.");
            }

            offsets[i] = pos;
            seeded[i] = tag == 1;
            if (tag == 0)
            {
                MpWire.ValidatePoly(data.Slice(pos, size), parameters.Ring, parameters.Ring.MaxLimbCount, What);
            }

            pos += size;
        }

        if (pos < data.Length && data[pos] == TotalTag && data.Length - pos - 1 == parameters.PolyBytes)
        {
            totalOffset = ++pos;
            MpWire.ValidatePoly(data.Slice(pos, parameters.PolyBytes), parameters.Ring, parameters.Ring.MaxLimbCount, What);
            pos += parameters.PolyBytes;
        }

        if (pos != data.Length)
        {
            throw new InvalidDataException($"The {What} have {data.Length - pos} trailing bytes.");
        }

        return new ThresholdKeyShares(parameters, owner, data.ToArray(), offsets, seeded, totalOffset);
    }

    /// <summary>Zeroes every share and seed.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        CryptographicOperations.ZeroMemory(_blob);
        _disposed = true;
    }
}

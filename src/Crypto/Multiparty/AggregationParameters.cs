using System.Numerics;
using System.Security.Cryptography;
using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Checked, immutable protocol-v2 aggregation parameters (docs/threat-model.md, "Round r"): one level of NTT primes
/// q = Π q_l (the upload modulus is the key modulus), N parties, threshold t, colluders c ≤ t − 1, b-bit values,
/// K = most summands, h = ⌈log2 K⌉, w = b + h, and for BFV k packed values per coefficient with T = 2^(k·w).
/// <para>
/// Noise of a decrypted sum over U by D (|D| = t members): Σ_{i∈U}(e_i + round(q·M_i/T) − q·M_i/T) + Σ_{j∈D} F_j with
/// |e_i| ≤ 19, the encoding rounding ≤ 1/2, so B_U = |U|·19.5, and |F_j| ≤ 13·σ_flood(|U|) (except with probability
/// ≤ 2^−120 per coefficient; <see cref="StatisticalFlooding"/>). BFV decryption is exact while
/// B_K + N·13·σ_flood(K) &lt; q/(2T) (checked here for the worst case |U| = K and N flooding members, so any D passes);
/// CKKS is checked by its codec (n·noise/Δ plus the double round-off &lt; 1/2, and Δ·|sum| + noise &lt; q/2).
/// </para>
/// </summary>
public sealed class AggregationParameters
{
    private readonly ulong[] _primes;
    private readonly Lazy<RingQ> _ring;

    private AggregationParameters(AggregationParametersLiteral literal, int maxSummands, int headroom)
    {
        RingDegree = literal.RingDegree;
        _primes = [.. literal.Primes];
        Parties = literal.Parties;
        Threshold = literal.Threshold;
        MaxColluders = literal.MaxColluders;
        ValueBits = literal.ValueBits;
        ValuesPerCoefficient = literal.ValuesPerCoefficient;
        MaxSummands = maxSummands;
        HeadroomBits = headroom;
        StatisticalSecurity = literal.StatisticalSecurity;
        ShareCap = literal.ShareCap;
        Scheme = literal.Scheme;
        ScaleBits = literal.Scheme == MultipartyScheme.Ckks ? literal.ScaleBits : 0;
        IsInsecureForTests = literal.AllowInsecureForTests;
        _ring = new Lazy<RingQ>(() => new RingQ(RingDegree, _primes));
        Modulus = _primes.Aggregate(BigInteger.One, (q, p) => q * p);
        PolyBytes = (int)(((long)RingDegree * _primes.Sum(p => 64 - BitOperations.LeadingZeroCount(p)) + 7) / 8); // PolyCodec's size
        Digest = ComputeDigest();
    }

    /// <summary>Ring degree n.</summary>
    public int RingDegree { get; }

    /// <summary>The primes; their product q is the key and upload modulus.</summary>
    public IReadOnlyList<ulong> Primes => _primes;

    /// <summary>Participants N.</summary>
    public int Parties { get; }

    /// <summary>Decryption threshold t = |D|.</summary>
    public int Threshold { get; }

    /// <summary>Most colluding participants c.</summary>
    public int MaxColluders { get; }

    /// <summary>Bits b per value.</summary>
    public int ValueBits { get; }

    /// <summary>Values k per coefficient (BFV; 1 for CKKS).</summary>
    public int ValuesPerCoefficient { get; }

    /// <summary>Most uploads K in one decrypted sum.</summary>
    public int MaxSummands { get; }

    /// <summary>Carry bits h = ⌈log2 K⌉ per slot.</summary>
    public int HeadroomBits { get; }

    /// <summary>Statistical security κ (bits).</summary>
    public int StatisticalSecurity { get; }

    /// <summary>Share cap Q_cap: (round, chunk) pairs a member answers per key epoch.</summary>
    public long ShareCap { get; }

    /// <summary>The plaintext codec.</summary>
    public MultipartyScheme Scheme { get; }

    /// <summary>CKKS: log2 Δ (0 for BFV).</summary>
    public int ScaleBits { get; }

    /// <summary>True when made with <see cref="AggregationParametersLiteral.AllowInsecureForTests"/>: NOT SECURE.</summary>
    public bool IsInsecureForTests { get; }

    /// <summary>SHA-256 of the canonical encoding; serialized objects carry its first 8 bytes.</summary>
    public ReadOnlyMemory<byte> Digest { get; }

    /// <summary>Bits w = b + h of one slot.</summary>
    public int SlotBits => ValueBits + HeadroomBits;

    /// <summary>BFV: log2 T = k·w (0 for CKKS).</summary>
    public int PlaintextModulusBits => Scheme == MultipartyScheme.Bfv ? ValuesPerCoefficient * SlotBits : 0;

    /// <summary>log2 q.</summary>
    public double ModulusBits => BigInteger.Log(Modulus, 2);

    /// <summary>Values one chunk carries: n·k (BFV) or n (CKKS: real and imaginary parts of n/2 slots).</summary>
    public int ValuesPerChunk => Scheme == MultipartyScheme.Bfv ? RingDegree * ValuesPerCoefficient : RingDegree;

    /// <summary>Bytes of one bit-packed polynomial mod q (each limb at its prime's bit width).</summary>
    public int PolyBytes { get; }

    /// <summary>Bytes of one serialized <see cref="MaskedUpload"/> (c0 only, header included).</summary>
    public int UploadBytes => MaskedUpload.HeaderBytes + PolyBytes;

    /// <summary>Bytes of one serialized <see cref="SetDecryptionShare"/>.</summary>
    public int ShareBytes => SetDecryptionShare.HeaderSize(this) + PolyBytes;

    /// <summary>Upload bits per payload bit: 8·<see cref="UploadBytes"/> / (values per chunk · b).</summary>
    public double Expansion => 8.0 * UploadBytes / ((double)ValuesPerChunk * ValueBits);

    /// <summary>log2 σ_flood for a decrypted sum of <paramref name="summands"/> uploads (<see cref="StatisticalFlooding.Log2Sigma(int, int, long, int, int, int)"/>).</summary>
    public int FloodingLog2Sigma(int summands) =>
        StatisticalFlooding.Log2Sigma(Parties, MaxColluders, ShareCap, RingDegree, summands, StatisticalSecurity);

    /// <summary>Rigorous ∞-norm bound of the noise of a sum of <paramref name="summands"/> uploads decrypted by
    /// <paramref name="decryptors"/> members: B_U + |D|·13·σ_flood(|U|).</summary>
    public double DecryptionNoiseBound(int summands, int decryptors) =>
        StatisticalFlooding.NoiseBound(summands) + (decryptors * StatisticalFlooding.TailBound(FloodingLog2Sigma(summands)));

    /// <summary>BFV: log2 of q/(2T), the noise decryption tolerates (0 for CKKS).</summary>
    public double NoiseCeilingBits => Scheme == MultipartyScheme.Bfv ? ModulusBits - PlaintextModulusBits - 1 : 0;

    internal RingQ Ring => _ring.Value;

    internal BigInteger Modulus { get; }

    /// <summary>Checks a literal and builds the parameters.</summary>
    /// <exception cref="ArgumentException">Anything out of range, log q above the HomomorphicEncryption.org bound for n
    /// (54/109/218/438/881 bits for n = 2^11..2^15), c ≥ t, or a set whose worst-case decryption noise does not fit; the
    /// message says what to change.</exception>
    public static AggregationParameters Create(AggregationParametersLiteral literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        CheckRing(literal);
        int maxSummands = CheckCounts(literal);
        int k = literal.ValuesPerCoefficient;
        int headroom = maxSummands <= 1 ? 0 : 64 - BitOperations.LeadingZeroCount((ulong)(maxSummands - 1));
        if (k * (literal.ValueBits + headroom) > 4096)
        {
            throw new ArgumentException("The plaintext modulus T would exceed 2^4096; lower ValuesPerCoefficient.");
        }

        var parameters = new AggregationParameters(literal, maxSummands, headroom);
        int log2Sigma = parameters.FloodingLog2Sigma(maxSummands);
        if (log2Sigma > StatisticalFlooding.MaxLog2Sigma)
        {
            throw new ArgumentException(
                $"σ_flood = 2^{log2Sigma} exceeds the sampler's 2^{StatisticalFlooding.MaxLog2Sigma}: lower ShareCap, MaxSummands or StatisticalSecurity.");
        }

        if (parameters.Scheme == MultipartyScheme.Bfv)
        {
            BfvAggregationCodec.CheckCapacity(parameters);
        }
        else
        {
            CkksAggregationCodec.CheckCapacity(parameters);
        }

        return parameters;
    }

    /// <summary>Test-only parameters: small ring, no security, small κ and share cap by default. NOT SECURE.</summary>
    public static AggregationParameters CreateInsecureForTests(int parties, int threshold, int maxColluders = 0, int ringDegree = 64, int valueBits = 16, int valuesPerCoefficient = 2, int primeCount = 4, int primeBits = 50, int statisticalSecurity = 10, long shareCap = 64, int? maxSummands = null)
    {
        return Create(new AggregationParametersLiteral
        {
            RingDegree = ringDegree,
            Primes = NttPrimes.Generate(primeBits, ringDegree, primeCount),
            Parties = parties,
            Threshold = threshold,
            MaxColluders = maxColluders,
            ValueBits = valueBits,
            ValuesPerCoefficient = valuesPerCoefficient,
            MaxSummands = maxSummands,
            StatisticalSecurity = statisticalSecurity,
            ShareCap = shareCap,
            AllowInsecureForTests = true,
        });
    }

    /// <summary>A fresh plaintext codec for these parameters (one per user: codecs keep buffers and are not thread-safe).</summary>
    internal IAggregationCodec CreateCodec() => Scheme == MultipartyScheme.Bfv ? new BfvAggregationCodec(this) : new CkksAggregationCodec(this);

    /// <summary>Throws unless <paramref name="other"/> are these parameters (same digest).</summary>
    internal void CheckSame(AggregationParameters other, string paramName)
    {
        if (!ReferenceEquals(other, this) && !other.Digest.Span.SequenceEqual(Digest.Span))
        {
            throw new ArgumentException("The object was made under different aggregation parameters.", paramName);
        }
    }

    /// <summary>Throws unless <paramref name="partyId"/> is in 1..N.</summary>
    internal void CheckPartyId(int partyId, string paramName)
    {
        if (partyId < 1 || partyId > Parties)
        {
            throw new ArgumentOutOfRangeException(paramName, partyId, $"Party ids are 1..{Parties}.");
        }
    }

    /// <summary>Checks everything but the ring and the noise (N, t, c, b, k, K, κ, Q_cap); returns K.</summary>
    internal static int CheckCounts(AggregationParametersLiteral literal)
    {
        CheckParties(literal);
        int k = literal.ValuesPerCoefficient;
        if (literal.ValueBits < 1 || literal.ValueBits > 32)
        {
            throw new ArgumentException($"ValueBits {literal.ValueBits} must be in [1, 32].");
        }

        if (k < 1 || (literal.Scheme == MultipartyScheme.Ckks && k != 1))
        {
            throw new ArgumentException(
                literal.Scheme == MultipartyScheme.Ckks ? "ValuesPerCoefficient must be 1 for CKKS (a chunk carries n values)." : $"ValuesPerCoefficient {k} must be at least 1.");
        }

        int maxSummands = literal.MaxSummands ?? literal.Parties;
        if (maxSummands < 1 || maxSummands > literal.Parties)
        {
            throw new ArgumentException($"MaxSummands {maxSummands} must be in [1, Parties = {literal.Parties}].");
        }

        int minKappa = literal.AllowInsecureForTests ? 1 : StatisticalFlooding.DefaultSecurity;
        if (literal.StatisticalSecurity < minKappa || literal.StatisticalSecurity > 128)
        {
            throw new ArgumentException($"StatisticalSecurity κ = {literal.StatisticalSecurity} must be in [{minKappa}, 128].");
        }

        if (literal.ShareCap < 1 || literal.ShareCap > 1L << 32)
        {
            throw new ArgumentException($"ShareCap {literal.ShareCap} must be in [1, 2^32].");
        }

        return maxSummands;
    }

    private static void CheckRing(AggregationParametersLiteral literal)
    {
        int n = literal.RingDegree;
        int minLog = literal.AllowInsecureForTests ? 4 : 11;
        if (n < (1 << minLog) || n > (1 << 15) || (n & (n - 1)) != 0)
        {
            throw new ArgumentException($"RingDegree {n} must be a power of two in [2^{minLog}, 2^15].");
        }

        if (literal.Primes is null || literal.Primes.Count == 0)
        {
            throw new ArgumentException("At least one prime is required.");
        }

        var seen = new HashSet<ulong>();
        int totalBits = 0;
        foreach (ulong p in literal.Primes)
        {
            if (p >= 1UL << 61 || p < 1UL << 20 || !NttPrimes.IsPrime(p) || (p - 1) % (2UL * (ulong)n) != 0)
            {
                throw new ArgumentException($"Prime {p} must be a prime in [2^20, 2^61) with p ≡ 1 mod 2n = {2 * n}.");
            }

            if (!seen.Add(p))
            {
                throw new ArgumentException($"Prime {p} appears twice.");
            }

            totalBits += 64 - BitOperations.LeadingZeroCount(p);
        }

        int max = CoeffModulus.MaxBitCount(n);
        if (!literal.AllowInsecureForTests && totalBits > max)
        {
            throw new ArgumentException(
                $"log2 q = {totalBits} bits exceeds the HomomorphicEncryption.org 128-bit bound {max} for n = {n}: use a larger ring degree, fewer or smaller primes, fewer values per coefficient (or the planner).");
        }
    }

    private static void CheckParties(AggregationParametersLiteral literal)
    {
        if (literal.Parties < 1 || literal.Parties > 10_000)
        {
            throw new ArgumentException($"Parties {literal.Parties} must be in [1, 10000].");
        }

        if (literal.Threshold < 1 || literal.Threshold > literal.Parties)
        {
            throw new ArgumentException($"Threshold {literal.Threshold} must be in [1, Parties = {literal.Parties}].");
        }

        if (literal.MaxColluders < 0 || literal.MaxColluders >= literal.Threshold)
        {
            throw new ArgumentException(
                $"MaxColluders c = {literal.MaxColluders} must be in [0, t − 1 = {literal.Threshold - 1}]: with c ≥ t the colluders alone could decrypt any upload. Raise the threshold or lower c.");
        }
    }

    private byte[] ComputeDigest()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write("secagg/v2/aggregation-parameters");
            w.Write(RingDegree);
            w.Write(_primes.Length);
            foreach (ulong p in _primes)
            {
                w.Write(p);
            }

            w.Write(Parties);
            w.Write(Threshold);
            w.Write(MaxColluders);
            w.Write(ValueBits);
            w.Write(ValuesPerCoefficient);
            w.Write(MaxSummands);
            w.Write(StatisticalSecurity);
            w.Write(ShareCap);
            w.Write((int)Scheme);
            w.Write(ScaleBits);
            w.Write(IsInsecureForTests);
        }

        return SHA256.HashData(ms.ToArray());
    }
}

using SecAgg.Crypto.Ckks;
using SecAgg.Crypto.Ring;
using System.Numerics;
using System.Security.Cryptography;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// Checked, immutable multiparty BFV parameters: ring, key-level modulus Q, wire modulus q' ⊂ Q,
/// plaintext packing (t = 2^(k·(b+h)), h = ⌈log2 K⌉), party count, threshold and flooding.
/// <para>
/// Noise (rigorous ∞-norm bounds; errors truncated at 19, s = Σ s_i with N ternary shares so
/// ‖s‖₁ ≤ nN, u ternary): fresh B_fresh = 19·(2nN + 1) + 1/2 (pk error Σe_i times u, e2·s, e1, and the
/// rounding of Q·m/t). After switching to q': B_up = (q'/Q)(B_fresh + 1/2) + (1/2 + 2^-19)(1 + nN).
/// A sum of K uploads: B_ct = K·B_up. Decryption by T members adds T·⌊12·σ_flood⌋ with
/// σ_flood = 2^(λ/2)·B_ct. Decryption is correct while B_ct + T·12·σ_flood &lt; q'/(2t); this is checked
/// for K = MaxSummands and T = N when the parameters are created.
/// </para>
/// </summary>
public sealed class MultipartyParameters
{
    private static readonly int[] StandardMaxLogQ = [54, 109, 218, 438, 881]; // n = 2^11..2^15, ternary, 128-bit

    private readonly Lazy<RingQ> _keyRing;
    private readonly Lazy<RingQ> _wireRing;
    internal readonly BigInteger KeyModulus;
    internal readonly BigInteger WireModulus;

    private MultipartyParameters(MultipartyParametersLiteral lit, int headroom)
    {
        RingDegree = lit.RingDegree;
        Primes = lit.Primes.ToArray();
        WireLimbCount = lit.WireLimbCount;
        Parties = lit.Parties;
        Threshold = lit.Threshold;
        ValueBits = lit.ValueBits;
        ValuesPerCoefficient = lit.ValuesPerCoefficient;
        MaxSummands = lit.MaxSummands ?? lit.Parties;
        HeadroomBits = headroom;
        FloodingLambda = lit.FloodingLambda;
        IsInsecureForTests = lit.AllowInsecureForTests;
        _keyRing = new Lazy<RingQ>(() => new RingQ(RingDegree, Primes));
        _wireRing = new Lazy<RingQ>(() => new RingQ(RingDegree, Primes.Take(WireLimbCount).ToArray()));
        KeyModulus = Primes.Aggregate(BigInteger.One, (a, p) => a * p);
        WireModulus = Primes.Take(WireLimbCount).Aggregate(BigInteger.One, (a, p) => a * p);
        Digest = ComputeDigest();
    }

    private MultipartyParameters(CkksParameters ckks, int parties, int threshold, int wireLimbs, int maxSummands, int lambda)
    {
        Scheme = MultipartyScheme.Ckks;
        Ckks = ckks;
        RingDegree = ckks.N;
        Primes = ckks.Primes.ToArray();
        WireLimbCount = wireLimbs;
        Parties = parties;
        Threshold = threshold;
        MaxSummands = maxSummands;
        FloodingLambda = lambda;
        IsInsecureForTests = ckks.IsInsecureForTests || !ckks.IsSecure;
        _keyRing = new Lazy<RingQ>(() => ckks.Ring);
        _wireRing = new Lazy<RingQ>(() => new RingQ(RingDegree, Primes.Take(WireLimbCount).ToArray()));
        KeyModulus = ckks.Ring.ModulusAt(ckks.MaxLimbCount);
        WireModulus = ckks.Ring.ModulusAt(wireLimbs);
        Digest = ComputeDigest();
    }

    /// <summary>The scheme these parameters serve (BFV unless made by <see cref="ForCkks"/>).</summary>
    public MultipartyScheme Scheme { get; }

    /// <summary>The CKKS parameters (only for <see cref="MultipartyScheme.Ckks"/>).</summary>
    public CkksParameters? Ckks { get; }

    /// <summary>Ring degree n.</summary>
    public int RingDegree { get; }

    internal RingQ KeyRing => _keyRing.Value;

    internal RingQ WireRing => _wireRing.Value;

    /// <summary>Key-level primes; their product is Q.</summary>
    public IReadOnlyList<ulong> Primes { get; }

    /// <summary>Number of leading primes forming the wire modulus q'.</summary>
    public int WireLimbCount { get; }

    /// <summary>Participants N.</summary>
    public int Parties { get; }

    /// <summary>Decryption threshold.</summary>
    public int Threshold { get; }

    /// <summary>Bits b per value.</summary>
    public int ValueBits { get; }

    /// <summary>Carry headroom h = ⌈log2 MaxSummands⌉ bits per packed slot.</summary>
    public int HeadroomBits { get; }

    /// <summary>Values k per coefficient.</summary>
    public int ValuesPerCoefficient { get; }

    /// <summary>Most ciphertexts that may be summed before decryption.</summary>
    public int MaxSummands { get; }

    /// <summary>Flooding parameter λ (bits).</summary>
    public int FloodingLambda { get; }

    /// <summary>True when created with <see cref="MultipartyParametersLiteral.AllowInsecureForTests"/>: NOT SECURE.</summary>
    public bool IsInsecureForTests { get; }

    /// <summary>Bits w = b + h of one packed slot.</summary>
    public int SlotBits => ValueBits + HeadroomBits;

    /// <summary>log2 t: the plaintext modulus is t = 2^(k·w).</summary>
    public int PlaintextModulusBits => ValuesPerCoefficient * SlotBits;

    /// <summary>Values carried by one ciphertext: n·k.</summary>
    public int ValuesPerCiphertext => RingDegree * ValuesPerCoefficient;

    /// <summary>log2 Q.</summary>
    public double KeyModulusBits => BigInteger.Log(KeyModulus, 2);

    /// <summary>log2 q'.</summary>
    public double WireModulusBits => BigInteger.Log(WireModulus, 2);

    /// <summary>SHA-256 of the canonical parameter encoding; serialized objects carry its first 8 bytes.</summary>
    public ReadOnlyMemory<byte> Digest { get; }

    /// <summary>Bytes of one serialized compact ciphertext (header included).</summary>
    public int CiphertextBytes => CompactCiphertext.HeaderBytes + 2 * WirePolyBytes;

    /// <summary>Bytes of one bit-packed polynomial at the wire modulus.</summary>
    public int WirePolyBytes
    {
        get
        {
            int sum = 0;
            for (int i = 0; i < WireLimbCount; i++)
            {
                sum += BitPacker.PackedBytes(RingDegree, 64 - BitOperations.LeadingZeroCount(Primes[i]));
            }

            return sum;
        }
    }

    /// <summary>Upload expansion: ciphertext bits on the wire per payload bit (n·k·b payload bits).</summary>
    public double Expansion => 8.0 * CiphertextBytes / ((double)ValuesPerCiphertext * ValueBits);

    /// <summary>Fresh encryption noise bound at modulus Q.</summary>
    public double FreshNoiseBound => NoiseFlooding.ErrorBound * (2.0 * RingDegree * Parties + 1) + 0.5;

    /// <summary>Noise bound of one ciphertext just after switching to q'.</summary>
    public double UploadNoiseBound =>
        Math.Pow(2, WireModulusBits - KeyModulusBits) * (FreshNoiseBound + 0.5) + (0.5 + Math.Pow(2, -19)) * (1.0 + (double)RingDegree * Parties);

    /// <summary>Noise bound of a sum of <paramref name="summands"/> uploads.</summary>
    public double SumNoiseBound(int summands) => summands * UploadNoiseBound;

    /// <summary>log2 of the largest total noise decryption tolerates: q'/(2t).</summary>
    public double NoiseCeilingBits => WireModulusBits - PlaintextModulusBits - 1;

    /// <summary>log2 of the worst-case total noise at decryption: K = MaxSummands summands, T = N members flooding.</summary>
    public double WorstDecryptionNoiseBits
    {
        get
        {
            double bct = SumNoiseBound(MaxSummands);
            double sigma = NoiseFlooding.Sigma(bct, FloodingLambda);
            return Math.Log2(bct + Parties * NoiseFlooding.PerPartyBound(sigma));
        }
    }

    /// <summary>Checks a literal and builds the parameters; throws <see cref="ArgumentException"/> saying what to change.</summary>
    public static MultipartyParameters Create(MultipartyParametersLiteral literal)
    {
        ArgumentNullException.ThrowIfNull(literal);
        int n = literal.RingDegree;
        int minLog = literal.AllowInsecureForTests ? 4 : 11;
        if (n < (1 << minLog) || n > (1 << 15) || (n & (n - 1)) != 0)
        {
            throw new ArgumentException($"RingDegree {n} must be a power of two in [2^{minLog}, 2^15].", nameof(literal));
        }

        if (literal.Primes is null || literal.Primes.Count == 0)
        {
            throw new ArgumentException("At least one prime is required.", nameof(literal));
        }

        var seen = new HashSet<ulong>();
        foreach (ulong p in literal.Primes)
        {
            if (p >= 1UL << 61 || p < 1UL << 19 || !NttPrimes.IsPrime(p) || (p - 1) % (2UL * (ulong)n) != 0)
            {
                throw new ArgumentException($"Prime {p} must be a prime in [2^19, 2^61) with p ≡ 1 mod 2n = {2 * n}.", nameof(literal));
            }

            if (!seen.Add(p))
            {
                throw new ArgumentException($"Prime {p} appears twice.", nameof(literal));
            }
        }

        if (literal.WireLimbCount < 1 || literal.WireLimbCount > literal.Primes.Count)
        {
            throw new ArgumentException($"WireLimbCount {literal.WireLimbCount} must be in [1, {literal.Primes.Count}].", nameof(literal));
        }

        if (literal.Parties < 1 || literal.Parties > 10_000)
        {
            throw new ArgumentException($"Parties {literal.Parties} must be in [1, 10000].", nameof(literal));
        }

        if (literal.Threshold < 1 || literal.Threshold > literal.Parties)
        {
            throw new ArgumentException($"Threshold {literal.Threshold} must be in [1, Parties = {literal.Parties}].", nameof(literal));
        }

        if (literal.ValueBits < 1 || literal.ValueBits > 32)
        {
            throw new ArgumentException($"ValueBits {literal.ValueBits} must be in [1, 32].", nameof(literal));
        }

        int k = literal.ValuesPerCoefficient;
        if (k < 1)
        {
            throw new ArgumentException($"ValuesPerCoefficient {k} must be at least 1.", nameof(literal));
        }

        int maxSummands = literal.MaxSummands ?? literal.Parties;
        if (maxSummands < 1)
        {
            throw new ArgumentException($"MaxSummands {maxSummands} must be at least 1.", nameof(literal));
        }

        if (literal.FloodingLambda < 0 || literal.FloodingLambda > 128)
        {
            throw new ArgumentException($"FloodingLambda {literal.FloodingLambda} must be in [0, 128].", nameof(literal));
        }

        int headroom = maxSummands <= 1 ? 0 : 64 - BitOperations.LeadingZeroCount((ulong)(maxSummands - 1));
        if (k * (literal.ValueBits + headroom) > 4096)
        {
            throw new ArgumentException("The plaintext modulus would exceed 2^4096; lower ValuesPerCoefficient.", nameof(literal));
        }

        var parameters = new MultipartyParameters(literal, headroom);
        int logN = BitOperations.Log2((uint)n);
        double logQ = parameters.KeyModulusBits;
        if (!literal.AllowInsecureForTests)
        {
            if (logN < 11 || Math.Ceiling(logQ) > StandardMaxLogQ[logN - 11])
            {
                throw new ArgumentException(
                    $"log2 Q = {logQ:F1} exceeds the HomomorphicEncryption.org 128-bit bound {StandardMaxLogQ[logN - 11]} for n = {n}: use a larger ring degree or fewer/smaller primes (or the planner).",
                    nameof(literal));
            }
        }

        double bct = parameters.SumNoiseBound(maxSummands);
        double sigma = NoiseFlooding.Sigma(bct, literal.FloodingLambda);
        if (sigma > NoiseFlooding.MaxSigma)
        {
            throw new ArgumentException($"The flooding σ 2^{Math.Log2(sigma):F1} exceeds the sampler's 2^50: lower FloodingLambda or MaxSummands.", nameof(literal));
        }

        double worst = parameters.WorstDecryptionNoiseBits;
        if (worst >= parameters.NoiseCeilingBits)
        {
            throw new ArgumentException(
                $"Decryption would be incorrect: worst-case noise 2^{worst:F1} (K = {maxSummands} summands, {literal.Parties} members flooding with λ = {literal.FloodingLambda}) does not fit under q'/(2t) = 2^{parameters.NoiseCeilingBits:F1}. " +
                "Add or enlarge wire primes, lower ValuesPerCoefficient, or lower MaxSummands/FloodingLambda.",
                nameof(literal));
        }

        return parameters;
    }

    /// <summary>Largest flooding σ for CKKS threshold decryption (2^56: the 12σ truncation stays below the core
    /// sampler's 2^62 bound).</summary>
    internal const double CkksMaxFloodingSigma = 72057594037927936.0;

    /// <summary>
    /// Multiparty parameters for CKKS over <paramref name="ckks"/>'s ring: the same collective key generation
    /// (<see cref="PublicKeyGenProtocol"/>, <see cref="CommonReferencePolynomial"/>), t-of-N set-up
    /// (<see cref="Thresholdizer"/>, <see cref="Combiner"/>) and decryption secrets as BFV; ciphertexts and
    /// decryption go through the CKKS classes (<see cref="CkksDecryptionShareProtocol"/>). Decryption shares are taken
    /// at the first <paramref name="decryptionLimbCount"/> primes (0 = all): the aggregate is dropped to that level
    /// before the shares, so choose the fewest limbs that hold Δ·|sum| + noise + flooding.
    /// Checks that the worst-case flooding (K = <paramref name="maxSummands"/> fresh encryptions under the N-party key,
    /// σ_flood = 2^(λ/2)·B_ct, all N members flooding) stays within the sampler's range and below q_ℓ/2.
    /// </summary>
    /// <exception cref="ArgumentException">An argument is out of range or the flooding cannot fit; the message says what to change.</exception>
    public static MultipartyParameters ForCkks(CkksParameters ckks, int parties, int threshold, int decryptionLimbCount = 0, int? maxSummands = null, int floodingLambda = NoiseFlooding.DefaultLambda)
    {
        ArgumentNullException.ThrowIfNull(ckks);
        if (parties < 1 || parties > 10_000)
        {
            throw new ArgumentException($"Parties {parties} must be in [1, 10000].", nameof(parties));
        }

        if (threshold < 1 || threshold > parties)
        {
            throw new ArgumentException($"Threshold {threshold} must be in [1, parties = {parties}].", nameof(threshold));
        }

        int wire = decryptionLimbCount == 0 ? ckks.MaxLimbCount : decryptionLimbCount;
        if (wire < 1 || wire > ckks.MaxLimbCount)
        {
            throw new ArgumentException($"decryptionLimbCount {decryptionLimbCount} must be in [1, {ckks.MaxLimbCount}] (or 0 for all).", nameof(decryptionLimbCount));
        }

        int k = maxSummands ?? parties;
        if (k < 1)
        {
            throw new ArgumentException($"maxSummands {k} must be at least 1.", nameof(maxSummands));
        }

        if (floodingLambda < 0 || floodingLambda > 128)
        {
            throw new ArgumentException($"floodingLambda {floodingLambda} must be in [0, 128].", nameof(floodingLambda));
        }

        double fresh = 19.0 * (2.0 * ckks.N * parties + 1);
        double bct = k * fresh;
        double sigma = NoiseFlooding.Sigma(bct, floodingLambda);
        if (sigma > CkksMaxFloodingSigma)
        {
            throw new ArgumentException($"The flooding σ 2^{Math.Log2(sigma):F1} for {k} summands of {parties} parties exceeds 2^56: lower maxSummands or floodingLambda.", nameof(maxSummands));
        }

        double worst = bct + parties * NoiseFlooding.PerPartyBound(sigma);
        double half = (double)ckks.Ring.ModulusAt(wire) / 2;
        if (worst >= half)
        {
            throw new ArgumentException($"The worst-case noise with flooding 2^{Math.Log2(worst):F1} does not fit under q_ℓ/2 = 2^{Math.Log2(half):F1} at {wire} limbs: keep more limbs for decryption.", nameof(decryptionLimbCount));
        }

        return new MultipartyParameters(ckks, parties, threshold, wire, k, floodingLambda);
    }

    /// <summary>Throws unless these parameters were made by <see cref="ForCkks"/> for <paramref name="ckks"/>.</summary>
    internal void CheckCkks(CkksParameters ckks, string paramName)
    {
        if (Scheme != MultipartyScheme.Ckks || Ckks is null || Ckks.ParameterId != ckks.ParameterId)
        {
            throw new ArgumentException("The multiparty parameters were not made for these CKKS parameters (use MultipartyParameters.ForCkks).", paramName);
        }
    }

    /// <summary>Throws when these parameters serve CKKS: the packed-BFV classes cannot use them.</summary>
    internal void CheckBfv(string paramName)
    {
        if (Scheme != MultipartyScheme.Bfv)
        {
            throw new ArgumentException("These multiparty parameters serve CKKS; use the CKKS classes (CkksEncryptor, CkksDecryptionShareProtocol).", paramName);
        }
    }

    /// <summary>Throws unless <paramref name="other"/> are these parameters (same digest).</summary>
    internal void CheckSameAs(MultipartyParameters other, string paramName)
    {
        if (!ReferenceEquals(other, this) && !other.Digest.Span.SequenceEqual(Digest.Span))
        {
            throw new ArgumentException("The object was made under different multiparty parameters.", paramName);
        }
    }

    /// <summary>Test-only parameters: small ring, no security. NOT SECURE; for unit tests of the protocols.</summary>
    public static MultipartyParameters CreateInsecureForTests(int parties, int threshold, int ringDegree = 256, int valueBits = 16, int valuesPerCoefficient = 2, int wirePrimes = 3, int wirePrimeBits = 50, int? maxSummands = null)
    {
        ulong[] wire = NttPrimes.Generate(wirePrimeBits, ringDegree, wirePrimes);
        ulong[] special = NttPrimes.Generate(40, ringDegree, 1, wire);
        return Create(new MultipartyParametersLiteral
        {
            RingDegree = ringDegree,
            Primes = [.. wire, .. special],
            WireLimbCount = wirePrimes,
            Parties = parties,
            Threshold = threshold,
            ValueBits = valueBits,
            ValuesPerCoefficient = valuesPerCoefficient,
            MaxSummands = maxSummands,
            AllowInsecureForTests = true,
        });
    }

    internal void CheckDigest(ReadOnlySpan<byte> digest8, string paramName)
    {
        if (!digest8.SequenceEqual(Digest.Span[..8]))
        {
            throw new InvalidDataException($"The {paramName} was made under different multiparty parameters (digest mismatch).");
        }
    }

    private byte[] ComputeDigest()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            if (Scheme == MultipartyScheme.Ckks)
            {
                w.Write("SecAgg.Multiparty.Parameters.Ckks.v1");
                w.Write(Ckks!.Digest.Span);
            }
            else
            {
                w.Write("SecAgg.Multiparty.Parameters.v1");
            }

            w.Write(RingDegree);
            w.Write(Primes.Count);
            foreach (ulong p in Primes)
            {
                w.Write(p);
            }

            w.Write(WireLimbCount);
            w.Write(Parties);
            w.Write(Threshold);
            w.Write(ValueBits);
            w.Write(ValuesPerCoefficient);
            w.Write(MaxSummands);
            w.Write(FloodingLambda);
            w.Write(IsInsecureForTests);
        }

        return SHA256.HashData(ms.ToArray());
    }
}

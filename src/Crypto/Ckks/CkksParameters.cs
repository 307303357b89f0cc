using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using SecAgg.Crypto.Bfv;
using SecAgg.Crypto.Ckks.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// Checked, immutable CKKS parameters (Lattigo's ckks.Parameters, SEAL's context): ring degree n, the RNS modulus
/// chain q = p_0·…·p_{L−1} (the core <see cref="RingQ"/>), n/2 complex slots, the default scale Δ.
/// <para>Security: log2 q must not exceed the HomomorphicEncryption.org 128-bit bound for n (ternary secret,
/// <see cref="CoeffModulus.MaxBitCount"/>: 54/109/218/438/881 bits for n = 2^11…2^15), as for BFV, unless the
/// literal sets <see cref="CkksParametersLiteral.AllowInsecureForTests"/>.</para>
/// <para>Error model (every bound rigorous, rounded upward): a ciphertext's phase is c0 + c1·s = m + e (mod q_ℓ)
/// with m the integer plaintext polynomial (‖m‖∞ ≤ M) and ‖e‖∞ ≤ B. Decoding divides by Δ and evaluates at the
/// slots; since |σ(e)_k| ≤ ‖e‖₁ ≤ n·B, every decoded slot is within E + n·B/Δ + (fp) of the encoded inputs, E being
/// the encoding error (rounding: n/(2Δ), plus the double-precision FFT terms). Decryption is exact modulo q_ℓ while
/// M + B &lt; q_ℓ/2.</para>
/// </summary>
public sealed class CkksParameters
{
    private readonly ulong[] _primes;

    private CkksParameters(CkksParametersLiteral literal, ulong[] primes, SimdMode simd)
    {
        LogN = literal.LogN;
        LogDefaultScale = literal.LogDefaultScale;
        IsInsecureForTests = literal.AllowInsecureForTests;
        _primes = primes;
        Ring = new RingQ(1 << literal.LogN, primes, simd);
        IsSecure = CoeffModulus.MaxBitCount(N) != 0 && Ring.Moduli.Sum(m => m.BitLength) <= CoeffModulus.MaxBitCount(N);
        Digest = ComputeDigest();
        ParameterId = BinaryPrimitives.ReadUInt64LittleEndian(Digest.Span);
    }

    /// <summary>log2 n.</summary>
    public int LogN { get; }

    /// <summary>Ring degree n.</summary>
    public int N => Ring.N;

    /// <summary>Complex slots per plaintext: n/2.</summary>
    public int Slots => Ring.N / 2;

    /// <summary>The primes of the modulus chain, in limb order.</summary>
    public IReadOnlyList<ulong> Primes => _primes;

    /// <summary>Number of primes L (the top level).</summary>
    public int MaxLimbCount => _primes.Length;

    /// <summary>log2 q at the top level.</summary>
    public double LogQ => BigInteger.Log(Ring.ModulusAt(MaxLimbCount), 2);

    /// <summary>log2 Δ of the default scale.</summary>
    public int LogDefaultScale { get; }

    /// <summary>The default scale Δ = 2^<see cref="LogDefaultScale"/>.</summary>
    public double DefaultScale => Math.ScaleB(1.0, LogDefaultScale);

    /// <summary>True when log q is within the HomomorphicEncryption.org 128-bit bound for n.</summary>
    public bool IsSecure { get; }

    /// <summary>True when created from a literal with <see cref="CkksParametersLiteral.AllowInsecureForTests"/>: NOT SECURE.</summary>
    public bool IsInsecureForTests { get; }

    /// <summary>The ring R_q (the core ring, shared by every CKKS object of these parameters).</summary>
    public RingQ Ring { get; }

    /// <summary>SHA-256 of the canonical encoding (n, primes, default scale, insecure flag).</summary>
    public ReadOnlyMemory<byte> Digest { get; }

    /// <summary>The first 8 bytes of <see cref="Digest"/> (little endian): serialized objects carry it.</summary>
    public ulong ParameterId { get; }

    /// <summary>Checks <paramref name="literal"/> and builds the parameters.</summary>
    /// <exception cref="ArgumentException">A field is out of range or log q exceeds the security bound; the
    /// <see cref="ArgumentException.ParamName"/> names the field (e.g. <c>literal.LogQ</c>).</exception>
    public static CkksParameters Create(CkksParametersLiteral literal) => Create(literal, SimdMode.Auto);

    internal static CkksParameters Create(CkksParametersLiteral literal, SimdMode simd)
    {
        ArgumentNullException.ThrowIfNull(literal);
        int minLog = literal.AllowInsecureForTests ? 3 : 11;
        int maxLog = literal.AllowInsecureForTests ? 17 : 15;
        if (literal.LogN < minLog || literal.LogN > maxLog)
        {
            throw new ArgumentException($"LogN = {literal.LogN} must be in [{minLog}, {maxLog}].", "literal.LogN");
        }

        if (literal.LogQ is null || literal.LogQ.Count == 0)
        {
            throw new ArgumentException("LogQ needs at least one prime size.", "literal.LogQ");
        }

        foreach (int bits in literal.LogQ)
        {
            if (bits < 20 || bits > 60)
            {
                throw new ArgumentException($"Every prime size in LogQ must be in [20, 60] bits, got {bits}.", "literal.LogQ");
            }
        }

        int n = 1 << literal.LogN;
        int logQ = literal.LogQ.Sum();
        int max = CoeffModulus.MaxBitCount(n);
        if (!literal.AllowInsecureForTests && logQ > max)
        {
            throw new ArgumentException(
                $"log2 q = {logQ} bits exceeds the HomomorphicEncryption.org 128-bit bound of {max} bits for n = {n}: use fewer or smaller primes or a larger LogN.",
                "literal.LogQ");
        }

        if (literal.LogDefaultScale < 1 || literal.LogDefaultScale > 200 || literal.LogDefaultScale >= logQ - 1)
        {
            throw new ArgumentException(
                $"LogDefaultScale = {literal.LogDefaultScale} must be in [1, 200] and below log2 q − 1 = {logQ - 1} (the scaled values must fit the modulus).",
                "literal.LogDefaultScale");
        }

        ulong[] primes;
        try
        {
            primes = CoeffModulus.Create(n, literal.LogQ.ToArray());
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"No NTT-friendly primes of these sizes for n = {n}: {e.Message}", "literal.LogQ", e);
        }

        return new CkksParameters(literal with { LogQ = literal.LogQ.ToArray() }, primes, simd);
    }

    internal void CheckPoly(Poly p, string paramName)
    {
        ArgumentNullException.ThrowIfNull(p, paramName);
        if (p.N != N || p.LimbCount < 1 || p.LimbCount > MaxLimbCount)
        {
            throw new ArgumentException($"The polynomial (n = {p.N}, {p.LimbCount} limbs) does not fit these parameters (n = {N}, at most {MaxLimbCount} limbs).", paramName);
        }
    }

    internal void CheckSame(CkksParameters other, string paramName)
    {
        if (!ReferenceEquals(other, this) && other.ParameterId != ParameterId)
        {
            throw new ArgumentException("The object was made under other CKKS parameters.", paramName);
        }
    }

    private byte[] ComputeDigest()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms))
        {
            w.Write("SecAgg.Ckks.Parameters.v1");
            w.Write(LogN);
            w.Write(_primes.Length);
            foreach (ulong p in _primes)
            {
                w.Write(p);
            }

            w.Write(LogDefaultScale);
            w.Write(IsInsecureForTests);
        }

        return SHA256.HashData(ms.ToArray());
    }
}

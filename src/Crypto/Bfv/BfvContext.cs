using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// Checked, immutable BFV parameters (SEAL's SEALContext, Lattigo's bfv.Parameters): the ring, the plaintext modulus
/// and the constants every operation needs, per level (a level is a number of limbs ℓ, modulus q_ℓ = p_0·…·p_{ℓ−1}).
/// <para>Refuses a coefficient modulus above the HomomorphicEncryption.org 128-bit bound for n
/// (<see cref="CoeffModulus.MaxBitCount"/>) unless the caller passes <c>allowInsecureParametersForTesting</c>.</para>
/// <para>Encoding (any t): a message m ∈ [0, t)^n is carried as round(q_ℓ·m / t); decryption computes
/// round(t·[c0 + c1·s]_{q_ℓ} / q_ℓ) mod t. With the phase c0 + c1·s = round(q_ℓ·m/t) + e, the invariant noise is
/// v = phase − q_ℓ·m/t (a real polynomial) and decryption is exact while ‖v‖∞ &lt; q_ℓ/(2t).</para>
/// </summary>
public sealed class BfvContext
{
    private readonly LevelConstants[] _levels;

    /// <summary>Validates <paramref name="parameters"/> and precomputes every constant.</summary>
    /// <param name="parameters">The parameter literal.</param>
    /// <param name="allowInsecureParametersForTesting">Accept parameters outside the HomomorphicEncryption.org
    /// 128-bit table (tests only: such keys give no security).</param>
    /// <exception cref="ArgumentException">Invalid or (without the flag) insecure parameters.</exception>
    public BfvContext(EncryptionParameters parameters, bool allowInsecureParametersForTesting = false)
        : this(parameters, allowInsecureParametersForTesting, SimdMode.Auto)
    {
    }

    internal BfvContext(EncryptionParameters parameters, bool allowInsecureParametersForTesting, SimdMode simd)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int n = parameters.PolyModulusDegree;
        ulong t = parameters.PlainModulus;
        if (parameters.CoeffModulus is null || parameters.CoeffModulus.Count == 0)
        {
            throw new ArgumentException("The coefficient modulus needs at least one prime.", nameof(parameters));
        }

        if (t < 2)
        {
            throw new ArgumentException($"The plaintext modulus must be at least 2, got {t}.", nameof(parameters));
        }

        Ring = new RingQ(n, parameters.CoeffModulus, simd);
        foreach (Modulus p in Ring.Moduli)
        {
            if (t >= p.Value)
            {
                throw new ArgumentException(
                    $"The plaintext modulus {t} must be smaller than every coefficient prime (found {p.Value}).",
                    nameof(parameters));
            }
        }

        int bits = Ring.Moduli.Sum(m => m.BitLength);
        int max = CoeffModulus.MaxBitCount(n);
        IsSecure = max != 0 && bits <= max;
        if (!IsSecure && !allowInsecureParametersForTesting)
        {
            throw new ArgumentException(
                max == 0
                    ? $"n = {n} is not in the HomomorphicEncryption.org table (1024 … 32768); pass allowInsecureParametersForTesting only in tests."
                    : $"log2 q = {bits} bits exceeds the 128-bit security bound of {max} bits for n = {n}; use fewer or smaller primes (or allowInsecureParametersForTesting in tests).",
                nameof(parameters));
        }

        Parameters = parameters with { CoeffModulus = parameters.CoeffModulus.ToArray() };
        PlainModulus = t;
        TotalCoeffModulusBits = bits;
        ParameterId = ComputeParameterId(Parameters);
        _levels = new LevelConstants[Ring.MaxLimbCount + 1];
        for (int l = 1; l <= Ring.MaxLimbCount; l++)
        {
            _levels[l] = new LevelConstants(Ring, t, l);
        }
    }

    /// <summary>The validated parameters (a private copy).</summary>
    public EncryptionParameters Parameters { get; }

    /// <summary>The ring R_q of the coefficient modulus.</summary>
    public RingQ Ring { get; }

    /// <summary>The ring degree n.</summary>
    public int N => Ring.N;

    /// <summary>The plaintext modulus t.</summary>
    public ulong PlainModulus { get; }

    /// <summary>The number of primes, i.e. the limb count of fresh ciphertexts.</summary>
    public int MaxLimbCount => Ring.MaxLimbCount;

    /// <summary>Σ bits(p_i) over all primes.</summary>
    public int TotalCoeffModulusBits { get; }

    /// <summary>True when the parameters are within the HomomorphicEncryption.org 128-bit bound.</summary>
    public bool IsSecure { get; }

    /// <summary>A 64-bit identifier of (n, primes, t): the first 8 bytes (little-endian) of
    /// SHA-256("SecAgg.BFV.v1" ‖ n ‖ #primes ‖ primes ‖ t), all little-endian. Serialized objects carry it.</summary>
    public ulong ParameterId { get; }

    /// <summary>The error distribution of key generation and encryption: σ = 3.2, |e| ≤ 19.</summary>
    public DiscreteGaussianSampler ErrorSampler { get; } = DiscreteGaussianSampler.StandardError;

    /// <summary>
    /// The largest invariant noise ‖v‖∞ that decryption at <paramref name="limbCount"/> limbs tolerates:
    /// q_ℓ/(2t), shrunk by a relative 2^−40 to cover the fixed-point rounding of decryption. A ciphertext whose
    /// <see cref="Ciphertext.NoiseBound"/> is below this value decrypts exactly.
    /// </summary>
    public double NoiseCapacity(int limbCount) => Level(limbCount).NoiseCapacity;

    internal LevelConstants Level(int limbCount)
    {
        if (limbCount < 1 || limbCount > MaxLimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Must be in [1, {MaxLimbCount}].");
        }

        return _levels[limbCount];
    }

    internal void CheckPoly(Poly p, string paramName)
    {
        ArgumentNullException.ThrowIfNull(p, paramName);
        if (p.N != N || p.LimbCount < 1 || p.LimbCount > MaxLimbCount)
        {
            throw new ArgumentException(
                $"The polynomial (n = {p.N}, {p.LimbCount} limbs) does not belong to these parameters (n = {N}, up to {MaxLimbCount} limbs).",
                paramName);
        }
    }

    private static ulong ComputeParameterId(EncryptionParameters p)
    {
        var buffer = new byte[13 + 4 + 4 + (8 * p.CoeffModulus.Count) + 8];
        "SecAgg.BFV.v1"u8.CopyTo(buffer);
        int o = 13;
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(o), p.PolyModulusDegree);
        o += 4;
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(o), p.CoeffModulus.Count);
        o += 4;
        foreach (ulong prime in p.CoeffModulus)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(o), prime);
            o += 8;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(o), p.PlainModulus);
        return BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(buffer));
    }

    /// <summary>Constants for one level ℓ (limb count).</summary>
    internal sealed class LevelConstants
    {
        public LevelConstants(RingQ ring, ulong t, int limbs)
        {
            LimbCount = limbs;
            BigInteger q = ring.ModulusAt(limbs);
            Q = q;
            BigInteger delta = q / t;
            R = (ulong)(q % t);
            DeltaMod = new ulong[limbs];
            DeltaShoup = new ulong[limbs];
            QHatInv = new ulong[limbs];
            QHatInvShoup = new ulong[limbs];
            TOverPHi = new ulong[limbs];
            TOverPLo = new ulong[limbs];
            for (int i = 0; i < limbs; i++)
            {
                Modulus m = ring.Moduli[i];
                DeltaMod[i] = (ulong)(delta % m.Value);
                DeltaShoup[i] = m.ShoupPrecompute(DeltaMod[i]);
                ulong qHatModP = (ulong)(q / m.Value % m.Value);
                QHatInv[i] = m.Inverse(qHatModP);
                QHatInvShoup[i] = m.ShoupPrecompute(QHatInv[i]);
                BigInteger f = (new BigInteger(t) << 128) / m.Value; // < 2^128 because t < p
                TOverPHi[i] = (ulong)(f >> 64);
                TOverPLo[i] = (ulong)(f & ulong.MaxValue);
            }

            if (limbs >= 2)
            {
                Modulus last = ring.Moduli[limbs - 1];
                InvLast = new ulong[limbs - 1];
                InvLastShoup = new ulong[limbs - 1];
                for (int i = 0; i < limbs - 1; i++)
                {
                    Modulus m = ring.Moduli[i];
                    InvLast[i] = m.Inverse(m.Reduce(last.Value));
                    InvLastShoup[i] = m.ShoupPrecompute(InvLast[i]);
                }
            }
            else
            {
                InvLast = [];
                InvLastShoup = [];
            }

            // q/(2t) rounded down, times (1 − 2^−40).
            double capacity = (double)(q / (2 * new BigInteger(t)));
            NoiseCapacity = Math.BitDecrement(capacity * (1.0 - Math.ScaleB(1.0, -40)));
        }

        public int LimbCount { get; }

        public BigInteger Q { get; }

        /// <summary>q_ℓ mod t.</summary>
        public ulong R { get; }

        /// <summary>floor(q_ℓ/t) mod p_i.</summary>
        public ulong[] DeltaMod { get; }

        public ulong[] DeltaShoup { get; }

        /// <summary>(q_ℓ/p_i)^−1 mod p_i.</summary>
        public ulong[] QHatInv { get; }

        public ulong[] QHatInvShoup { get; }

        /// <summary>floor(t·2^128 / p_i), high and low words.</summary>
        public ulong[] TOverPHi { get; }

        public ulong[] TOverPLo { get; }

        /// <summary>p_{ℓ−1}^−1 mod p_i for i &lt; ℓ−1 (modulus switching down one level).</summary>
        public ulong[] InvLast { get; }

        public ulong[] InvLastShoup { get; }

        public double NoiseCapacity { get; }
    }
}

using System.Numerics;
using Google.Protobuf;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Internal;
using SecAgg.Quantize.Ddg;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol;

/// <summary>
/// Maps between the contract's parameter messages (proto/secagg/v1/common.proto) and the checked
/// parameter objects of the crypto and quantize layers, in both directions. Every "from contract"
/// direction rebuilds the checked object and verifies it reproduces the message exactly (digests,
/// derived values); a disagreement throws <see cref="ParameterMismatchException"/>, malformed fields
/// throw <see cref="ArgumentException"/>.
/// </summary>
public static class ContractMapping
{
    /// <summary>Prefix of the parameter_set_id of test-only parameters; refused unless explicitly allowed.</summary>
    public const string InsecureForTestsPrefix = "insecure-for-tests";

    /// <summary>
    /// Relative tolerance when the DDG parameters rebuilt from a message are compared with the
    /// message's derived values (γ, σ_int are transmitted after floating-point derivation).
    /// </summary>
    public const double DerivedValueTolerance = 1e-9;

    /// <summary>The HE parameters as a contract message; parameter_digest = <see cref="MultipartyParameters.Digest"/>.</summary>
    public static V1.HeParameters ToContract(MultipartyParameters parameters, string parameterSetId)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(parameterSetId);
        var he = new V1.HeParameters
        {
            ParameterSetId = parameterSetId,
            ParameterDigest = ByteString.CopyFrom(parameters.Digest.Span),
            LogN = (uint)BitOperations.Log2((uint)parameters.RingDegree),
            WireLimbCount = (uint)parameters.WireLimbCount,
            PlaintextModulus = parameters.PlaintextModulusBits < 64 ? 1UL << parameters.PlaintextModulusBits : 0,
            ValuesPerCoefficient = (uint)parameters.ValuesPerCoefficient,
            CarryBits = (uint)parameters.HeadroomBits,
        };
        he.CiphertextModuli.AddRange(parameters.Primes);
        return he;
    }

    /// <summary>
    /// Rebuilds the checked HE parameters from a message plus the key epoch's party count and threshold
    /// and the round's value bits, and verifies the message's digest, packing and carry bits.
    /// </summary>
    /// <param name="he">The message.</param>
    /// <param name="parties">N: participants of the key epoch.</param>
    /// <param name="threshold">t of the key epoch.</param>
    /// <param name="valueBits">b: bits per quantized value (QuantizationParameters.bits).</param>
    /// <param name="allowInsecureForTests">Accept a parameter set whose id starts with <see cref="InsecureForTestsPrefix"/>.</param>
    public static MultipartyParameters FromContract(V1.HeParameters he, int parties, int threshold, int valueBits, bool allowInsecureForTests = false)
    {
        ArgumentNullException.ThrowIfNull(he);
        if (he.Scheme != V1.HeScheme.Bfv || he.CkksLogScale != 0)
        {
            throw new ParameterMismatchException(
                $"HeParameters.scheme = {he.Scheme} (ckks_log_scale = {he.CkksLogScale}), but multiparty BFV parameters were expected; the peers disagree on he.scheme.");
        }

        bool insecure = he.ParameterSetId.StartsWith(InsecureForTestsPrefix, StringComparison.Ordinal);
        if (insecure && !allowInsecureForTests)
        {
            throw new ParameterMismatchException(
                $"The HE parameter set '{he.ParameterSetId}' is insecure (for tests only) and this side does not allow it; configure a real preset.");
        }

        if (he.LogN is < 4 or > 15)
        {
            throw new ArgumentException($"HeParameters.log_n = {he.LogN} is outside [4, 15].", nameof(he));
        }

        if (he.ParameterDigest.Length != 32)
        {
            throw new ArgumentException($"HeParameters.parameter_digest has {he.ParameterDigest.Length} bytes; expected 32 (SHA-256).", nameof(he));
        }

        MultipartyParameters p;
        try
        {
            p = MultipartyParameters.Create(new MultipartyParametersLiteral
            {
                RingDegree = 1 << (int)he.LogN,
                Primes = he.CiphertextModuli.ToArray(),
                WireLimbCount = checked((int)he.WireLimbCount),
                Parties = parties,
                Threshold = threshold,
                ValueBits = valueBits,
                ValuesPerCoefficient = checked((int)he.ValuesPerCoefficient),
                AllowInsecureForTests = insecure,
            });
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"HeParameters do not form a valid parameter set: {e.Message}", nameof(he), e);
        }
        catch (OverflowException e)
        {
            throw new ArgumentException("HeParameters has a count beyond 2^31.", nameof(he), e);
        }

        if ((uint)p.HeadroomBits != he.CarryBits)
        {
            throw new ParameterMismatchException($"HeParameters.carry_bits = {he.CarryBits}, but {parties} parties need {p.HeadroomBits}.");
        }

        ulong t = p.PlaintextModulusBits < 64 ? 1UL << p.PlaintextModulusBits : 0;
        if (t != he.PlaintextModulus)
        {
            throw new ParameterMismatchException($"HeParameters.plaintext_modulus = {he.PlaintextModulus}, but the packing gives {t} (0 = beyond 2^64).");
        }

        if (!p.Digest.Span.SequenceEqual(he.ParameterDigest.Span))
        {
            throw new ParameterMismatchException(
                $"HeParameters.parameter_digest {Convert.ToHexString(he.ParameterDigest.Span)[..16]}... differs from the digest of the parameters it describes ({Convert.ToHexString(p.Digest.Span)[..16]}...): the peers disagree on N = {parties}, t = {threshold}, b = {valueBits} or the parameter set.");
        }

        return p;
    }

    /// <summary>
    /// Rebuilds the checked scheme (<see cref="HeParameters.Scheme"/> decides BFV or CKKS) from a message plus the key
    /// epoch's N, t and the round's value bits b, verifying the parameter digest and every derived field.
    /// </summary>
    /// <exception cref="ParameterMismatchException">The message disagrees with what it describes, or names a scheme this side does not run.</exception>
    public static CiphertextScheme SchemeFromContract(V1.HeParameters he, int parties, int threshold, int valueBits, bool allowInsecureForTests = false)
    {
        ArgumentNullException.ThrowIfNull(he);
        return he.Scheme switch
        {
            V1.HeScheme.Bfv => CiphertextScheme.Bfv(FromContract(he, parties, threshold, valueBits, allowInsecureForTests)),
            V1.HeScheme.Ckks => CkksCiphertextScheme.FromContract(he, parties, threshold, valueBits, allowInsecureForTests),
            _ => throw new ParameterMismatchException($"HeParameters.scheme = {he.Scheme} is not a scheme this side knows; update it."),
        };
    }

    /// <summary>The key epoch's scheme when the value bits are not known yet (EpochInfo): the b in [1, 32] that reproduces the digest.</summary>
    /// <exception cref="ParameterMismatchException">No b reproduces the digest.</exception>
    public static CiphertextScheme SchemeFromContract(V1.HeParameters he, int parties, int threshold, bool allowInsecureForTests = false)
    {
        ArgumentNullException.ThrowIfNull(he);
        if (he.Scheme == V1.HeScheme.Ckks)
        {
            // The CKKS digest does not depend on b: the epoch's view has no value width (rounds bring theirs).
            return CkksCiphertextScheme.FromContract(he, parties, threshold, 0, allowInsecureForTests);
        }

        for (int b = 1; b <= 32; b++)
        {
            try
            {
                return SchemeFromContract(he, parties, threshold, b, allowInsecureForTests);
            }
            catch (ParameterMismatchException) when (!he.ParameterSetId.StartsWith(InsecureForTestsPrefix, StringComparison.Ordinal) || allowInsecureForTests)
            {
            }
            catch (ArgumentException)
            {
            }
        }

        throw new ParameterMismatchException($"No value width b in [1, 32] makes {he.Scheme} parameters '{he.ParameterSetId}' with N = {parties}, t = {threshold} reproduce the parameter_digest; the peers disagree on the parameter set or the scheme.");
    }

    /// <summary>
    /// Rebuilds the key epoch's HE parameters when the value bits are not known yet (EpochInfo carries
    /// N, t and the HE message, not b): the b in [1, 32] whose parameters reproduce the message's digest.
    /// </summary>
    /// <exception cref="ParameterMismatchException">No b reproduces the digest.</exception>
    public static MultipartyParameters FromContract(V1.HeParameters he, int parties, int threshold, bool allowInsecureForTests = false)
    {
        ArgumentNullException.ThrowIfNull(he);
        for (int b = 1; b <= 32; b++)
        {
            try
            {
                return FromContract(he, parties, threshold, b, allowInsecureForTests);
            }
            catch (ParameterMismatchException) when (!he.ParameterSetId.StartsWith(InsecureForTestsPrefix, StringComparison.Ordinal) || allowInsecureForTests)
            {
            }
            catch (ArgumentException)
            {
            }
        }

        throw new ParameterMismatchException($"No value width b in [1, 32] makes HE parameters '{he.ParameterSetId}' with N = {parties}, t = {threshold} reproduce the parameter_digest; the peers disagree on the parameter set.");
    }

    /// <summary>The DDG parameters of a round as a contract message; σ_int is sent as an exact dyadic rational.</summary>
    public static V1.QuantizationParameters ToContract(DdgParameters parameters, ReadOnlySpan<byte> rotationSeed, ulong maxWeight, string parameterSetId)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(parameterSetId);
        CheckSeed(rotationSeed);
        if (maxWeight < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxWeight), "max_weight must be at least 1 (1 = unweighted FedAvg).");
        }

        (ulong num, ulong den) = ExactRational(parameters.SigmaInt);
        return new V1.QuantizationParameters
        {
            Bits = (uint)parameters.Bits,
            Gamma = parameters.Gamma,
            ClipL2Norm = parameters.ClipNorm,
            NoiseSigmaNumerator = num,
            NoiseSigmaDenominator = den,
            RotationSeed = ByteString.CopyFrom(rotationSeed),
            RotationBlockSize = (uint)parameters.RotationBlockSize,
            MaxWeight = maxWeight,
            ParameterSetId = parameterSetId,
        };
    }

    /// <summary>
    /// Rebuilds the DDG parameters: b, c from the message, n and d from the round, z = σ_int·γ·√n/c, the
    /// other knobs at their documented defaults; verifies γ, σ_int and the rotation block size.
    /// </summary>
    public static DdgParameters FromContract(V1.QuantizationParameters quantization, int expectedParticipants, int dimension)
    {
        ArgumentNullException.ThrowIfNull(quantization);
        V1.QuantizationParameters q = quantization;
        if (q.NoiseSigmaDenominator == 0)
        {
            throw new ArgumentException("QuantizationParameters.noise_sigma_denominator is 0.", nameof(quantization));
        }

        CheckSeed(q.RotationSeed.Span);
        if (q.MaxWeight < 1)
        {
            throw new ArgumentException("QuantizationParameters.max_weight must be at least 1.", nameof(quantization));
        }

        if (!(q.Gamma > 0) || !double.IsFinite(q.Gamma) || !(q.ClipL2Norm > 0) || !double.IsFinite(q.ClipL2Norm))
        {
            throw new ArgumentException($"QuantizationParameters.gamma = {q.Gamma} and clip_l2_norm = {q.ClipL2Norm} must be positive and finite.", nameof(quantization));
        }

        double sigmaInt = (double)q.NoiseSigmaNumerator / q.NoiseSigmaDenominator;
        double z = sigmaInt * q.Gamma * Math.Sqrt(expectedParticipants) / q.ClipL2Norm;
        DdgParameters d;
        try
        {
            d = DdgParameters.Create(new DdgParameterLiteral
            {
                Bits = (int)Math.Min(q.Bits, 64),
                ExpectedParticipants = expectedParticipants,
                Dimension = dimension,
                ClipNorm = q.ClipL2Norm,
                NoiseMultiplier = z,
            });
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"QuantizationParameters do not form valid DDG parameters: {e.Message}", nameof(quantization), e);
        }

        if ((uint)d.RotationBlockSize != q.RotationBlockSize)
        {
            throw new ParameterMismatchException($"QuantizationParameters.rotation_block_size = {q.RotationBlockSize}, but d = {dimension} gives {d.RotationBlockSize}.");
        }

        if (!Close(d.Gamma, q.Gamma) || !Close(d.SigmaInt, sigmaInt))
        {
            throw new ParameterMismatchException(
                $"QuantizationParameters (gamma = {q.Gamma:G17}, sigma_int = {sigmaInt:G17}) are not what n = {expectedParticipants}, d = {dimension}, b = {q.Bits}, c = {q.ClipL2Norm} derive (gamma = {d.Gamma:G17}, sigma_int = {d.SigmaInt:G17}).");
        }

        return d;
    }

    /// <summary>The layout as a contract message (float32 tensors, contiguous offsets) with its digest.</summary>
    public static V1.UpdateLayout ToContract(TensorLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var msg = new V1.UpdateLayout { TotalElements = (ulong)layout.TotalLength };
        ulong offset = 0;
        foreach (TensorSpec t in layout.Tensors)
        {
            var spec = new V1.TensorSpec { Name = t.Name, Dtype = V1.DType.Float32, Offset = offset };
            spec.Shape.AddRange(t.Shape.Select(x => (ulong)x));
            msg.Tensors.Add(spec);
            offset += (ulong)t.Length;
        }

        msg.LayoutDigest = ByteString.CopyFrom(LayoutDigest(msg));
        return msg;
    }

    /// <summary>Rebuilds the layout and verifies offsets, total and digest.</summary>
    public static TensorLayout FromContract(V1.UpdateLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (layout.Tensors.Count == 0)
        {
            throw new ArgumentException("UpdateLayout names no tensor.", nameof(layout));
        }

        var specs = new List<TensorSpec>(layout.Tensors.Count);
        ulong offset = 0;
        foreach (V1.TensorSpec t in layout.Tensors)
        {
            if (t.Offset != offset)
            {
                throw new ArgumentException($"UpdateLayout tensor '{t.Name}' has offset {t.Offset}; expected {offset} (tensors are contiguous, in order).", nameof(layout));
            }

            if (t.Shape.Count == 0 || t.Shape.Any(x => x == 0 || x > int.MaxValue))
            {
                throw new ArgumentException($"UpdateLayout tensor '{t.Name}' has an empty, zero or oversized shape.", nameof(layout));
            }

            specs.Add(new TensorSpec(t.Name, t.Shape.Select(x => (int)x).ToArray()));
            offset += t.Shape.Aggregate(1UL, (a, b) => checked(a * b));
        }

        var result = new TensorLayout(specs);
        if ((ulong)result.TotalLength != layout.TotalElements)
        {
            throw new ArgumentException($"UpdateLayout.total_elements = {layout.TotalElements}, but the tensors hold {result.TotalLength}.", nameof(layout));
        }

        if (!LayoutDigest(layout).AsSpan().SequenceEqual(layout.LayoutDigest.Span))
        {
            throw new ParameterMismatchException("UpdateLayout.layout_digest does not match the tensors listed.");
        }

        return result;
    }

    /// <summary>SHA-256 of the canonical encoding of the layout's tensors (names, shapes, dtypes, offsets) and total.</summary>
    public static byte[] LayoutDigest(V1.UpdateLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var w = new CanonicalWriter("secagg.v1.UpdateLayout");
        w.Write((ulong)layout.Tensors.Count);
        foreach (V1.TensorSpec t in layout.Tensors)
        {
            w.Write(t.Name);
            w.Write((ulong)t.Shape.Count);
            foreach (ulong s in t.Shape)
            {
                w.Write(s);
            }

            w.Write((ulong)t.Dtype);
            w.Write(t.Offset);
        }

        w.Write(layout.TotalElements);
        return w.Finish();
    }

    /// <summary>
    /// RoundConfig.parameter_digest: SHA-256 of the canonical encoding of the layout digest, every
    /// quantization field, the HE parameter digest and set fields (the scheme and CKKS scale included), and the key epoch id.
    /// </summary>
    public static byte[] RoundParameterDigest(V1.UpdateLayout layout, V1.QuantizationParameters quantization, V1.HeParameters he, ulong keyEpochId)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(quantization);
        ArgumentNullException.ThrowIfNull(he);
        var w = new CanonicalWriter("secagg.v1.RoundConfig.parameter_digest");
        w.Write(LayoutDigest(layout));
        w.Write(quantization.Bits);
        w.Write(quantization.Gamma);
        w.Write(quantization.ClipL2Norm);
        w.Write(quantization.NoiseSigmaNumerator);
        w.Write(quantization.NoiseSigmaDenominator);
        w.Write(quantization.RotationSeed.Span);
        w.Write(quantization.RotationBlockSize);
        w.Write(quantization.MaxWeight);
        w.Write(quantization.ParameterSetId);
        w.Write(he.ParameterSetId);
        w.Write(he.ParameterDigest.Span);
        w.Write(he.LogN);
        w.Write((ulong)he.CiphertextModuli.Count);
        foreach (ulong m in he.CiphertextModuli)
        {
            w.Write(m);
        }

        w.Write(he.WireLimbCount);
        w.Write(he.PlaintextModulus);
        w.Write(he.ValuesPerCoefficient);
        w.Write(he.CarryBits);
        w.Write((ulong)he.Scheme);
        w.Write(he.CkksLogScale);
        w.Write(keyEpochId);
        return w.Finish();
    }

    /// <summary>x = num/den exactly, den a power of two (x a positive finite double).</summary>
    internal static (ulong Numerator, ulong Denominator) ExactRational(double x)
    {
        if (!(x > 0) || !double.IsFinite(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"{x} is not a positive finite number.");
        }

        long bits = BitConverter.DoubleToInt64Bits(x);
        int exp = (int)((bits >> 52) & 0x7FF);
        ulong mant = (ulong)bits & ((1UL << 52) - 1);
        if (exp == 0)
        {
            exp = 1;
        }
        else
        {
            mant |= 1UL << 52;
        }

        int e = exp - 1075; // x = mant * 2^e
        while (e < 0 && (mant & 1) == 0)
        {
            mant >>= 1;
            e++;
        }

        if (e >= 0)
        {
            if (e > BitOperations.LeadingZeroCount(mant))
            {
                throw new ArgumentOutOfRangeException(nameof(x), $"{x} does not fit a 64-bit numerator.");
            }

            return (mant << e, 1);
        }

        if (-e > 63)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"{x} needs a denominator beyond 2^63.");
        }

        return (mant, 1UL << -e);
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= DerivedValueTolerance * Math.Max(Math.Abs(a), Math.Abs(b));

    private static void CheckSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException($"The rotation seed has {seed.Length} bytes; expected 32.", nameof(seed));
        }
    }
}

using System.Numerics;
using Google.Protobuf;
using SecAgg.Protocol.Internal;
using SecAgg.Quantize.Ddg;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol;

/// <summary>
/// Maps the layout and the quantization parameters to the contract's messages (proto/secagg/v1/common.proto), and the
/// layout back (the participant flattens its update by the announced layout, verified against its digest). The
/// aggregation parameters map in <see cref="CiphertextScheme.ToContract"/>; a participant computes every other value from
/// its own consortium file and checks the announcement (<see cref="RoundParameters.FromContract"/>).
/// </summary>
public static class ContractMapping
{
    /// <summary>Prefix of the parameter_set_id of test-only parameters; refused unless explicitly allowed.</summary>
    public const string InsecureForTestsPrefix = "insecure-for-tests";

    /// <summary>
    /// Relative tolerance when a participant's own DDG values are compared with the announced ones (γ, σ_int are
    /// derived in floating point).
    /// </summary>
    public const double DerivedValueTolerance = 1e-9;

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

    private static void CheckSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new ArgumentException($"The rotation seed has {seed.Length} bytes; expected 32.", nameof(seed));
        }
    }
}

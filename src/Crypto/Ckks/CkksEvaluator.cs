using SecAgg.Crypto.Ckks.Internal;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// Homomorphic operations aggregation needs: addition (every bound adds: B_a + B_b, M_a + M_b, E_a + E_b) and
/// dropping limbs (the phase is unchanged while it fits). Operands must have the same scale; a sum of ciphertexts
/// at different levels is at the lower level.
/// </summary>
public sealed class CkksEvaluator
{
    private readonly CkksParameters _p;

    /// <summary>Creates the evaluator.</summary>
    public CkksEvaluator(CkksParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _p = parameters;
    }

    /// <summary>a + b, as a new ciphertext.</summary>
    public CkksCiphertext Add(CkksCiphertext a, CkksCiphertext b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        CkksCiphertext r = a.CopyAt(Math.Min(a.LimbCount, b.LimbCount));
        AddInplace(r, b);
        return r;
    }

    /// <summary>a += b (a keeps its level, which must not exceed b's).</summary>
    /// <exception cref="ArgumentException">Other parameters, different scales, or a above b's level.</exception>
    public void AddInplace(CkksCiphertext a, CkksCiphertext b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        _p.CheckSame(a.Parameters, nameof(a));
        _p.CheckSame(b.Parameters, nameof(b));
        if (a.Scale != b.Scale)
        {
            throw new ArgumentException($"The scales differ (2^{Math.Log2(a.Scale):F2} and 2^{Math.Log2(b.Scale):F2}); CKKS adds only equal scales.", nameof(b));
        }

        if (a.LimbCount > b.LimbCount)
        {
            throw new ArgumentException($"The accumulator has {a.LimbCount} limbs, the operand only {b.LimbCount}: drop the accumulator's level first (DropLevel) or use Add.", nameof(a));
        }

        _p.Ring.AddLimbs(a.C0, b.C0, a.C0);
        _p.Ring.AddLimbs(a.C1, b.C1, a.C1);
        a.NoiseBound = ErrorModel.Add(a.NoiseBound, b.NoiseBound);
        a.MessageBound = ErrorModel.Add(a.MessageBound, b.MessageBound);
        a.EncodingErrorBound = ErrorModel.Add(a.EncodingErrorBound, b.EncodingErrorBound);
        a.SummandCount = checked(a.SummandCount + b.SummandCount);
    }

    /// <summary>The sum of one or more ciphertexts, at the lowest level among them.</summary>
    public CkksCiphertext AddMany(IReadOnlyList<CkksCiphertext> ciphertexts)
    {
        ArgumentNullException.ThrowIfNull(ciphertexts);
        if (ciphertexts.Count == 0)
        {
            throw new ArgumentException("At least one ciphertext is required.", nameof(ciphertexts));
        }

        int level = ciphertexts.Min(c => c?.LimbCount ?? throw new ArgumentException("A ciphertext is null.", nameof(ciphertexts)));
        CkksCiphertext sum = ciphertexts[0].CopyAt(level);
        for (int i = 1; i < ciphertexts.Count; i++)
        {
            AddInplace(sum, ciphertexts[i]);
        }

        return sum;
    }

    /// <summary>The same ciphertext at <paramref name="limbCount"/> limbs (smaller on the wire, faster to decrypt).
    /// Decryption later checks that the message and noise still fit q_ℓ'/2.</summary>
    public CkksCiphertext DropLevel(CkksCiphertext ciphertext, int limbCount)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        _p.CheckSame(ciphertext.Parameters, nameof(ciphertext));
        if (limbCount < 1 || limbCount > ciphertext.LimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Must be in [1, {ciphertext.LimbCount}].");
        }

        return ciphertext.CopyAt(limbCount);
    }

    /// <summary>The ciphertext at the fewest limbs that still hold its message and noise (‖m‖ + ‖e‖ &lt; q_ℓ/2).</summary>
    /// <exception cref="CkksOverflowException">Even the current level does not hold them.</exception>
    public CkksCiphertext DropToLowestLevel(CkksCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        int level = ciphertext.LowestSafeLevel(ErrorModel.Add(ciphertext.MessageBound, ciphertext.NoiseBound));
        if (level == 0)
        {
            throw CkksDecryptor.Overflow(ciphertext.MessageBound, ciphertext.NoiseBound, ciphertext);
        }

        return DropLevel(ciphertext, level);
    }
}

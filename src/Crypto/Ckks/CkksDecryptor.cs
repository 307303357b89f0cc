using SecAgg.Crypto.Ckks.Internal;
using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Ckks;

/// <summary>
/// Secret-key decryption: the phase c0 + c1·s = m + e, computed at the lowest level ℓ' that holds
/// ‖m‖∞ + ‖e‖∞ &lt; q_ℓ'/2 (fewer limbs: less work, same result). The plaintext carries the ciphertext's bounds, so
/// its <see cref="CkksElement.SlotErrorBound"/> bounds the decoded error. Refuses (<see cref="CkksOverflowException"/>)
/// a ciphertext whose bounds reach q_ℓ/2 at its own level.
/// </summary>
public sealed class CkksDecryptor
{
    private readonly CkksParameters _p;
    private readonly CkksSecretKey _sk;

    /// <summary>Creates the decryptor.</summary>
    public CkksDecryptor(CkksParameters parameters, CkksSecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(secretKey);
        parameters.CheckSame(secretKey.Parameters, nameof(secretKey));
        _p = parameters;
        _sk = secretKey;
    }

    /// <summary>Decrypts <paramref name="ciphertext"/>.</summary>
    /// <exception cref="CkksOverflowException">Message bound + noise bound ≥ q_ℓ/2.</exception>
    public CkksPlaintext Decrypt(CkksCiphertext ciphertext)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        _p.CheckSame(ciphertext.Parameters, nameof(ciphertext));
        int level = ciphertext.LowestSafeLevel(ErrorModel.Add(ciphertext.MessageBound, ciphertext.NoiseBound));
        if (level == 0)
        {
            throw Overflow(ciphertext.MessageBound, ciphertext.NoiseBound, ciphertext);
        }

        var plain = new CkksPlaintext(_p, _p.Ring.NewPoly(level), ciphertext.Scale, 0, 0, 0);
        Decrypt(ciphertext, plain);
        return plain;
    }

    /// <summary>Decrypts into <paramref name="destination"/> at its limb count (no allocation), which must lie between
    /// the lowest level that holds message + noise and the ciphertext's level.</summary>
    /// <exception cref="CkksOverflowException">Message bound + noise bound ≥ q_ℓ/2 at the ciphertext's level.</exception>
    /// <exception cref="ArgumentException">The destination's limb count is outside that range.</exception>
    public void Decrypt(CkksCiphertext ciphertext, CkksPlaintext destination)
    {
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(destination);
        _p.CheckSame(ciphertext.Parameters, nameof(ciphertext));
        _p.CheckSame(destination.Parameters, nameof(destination));
        int lowest = ciphertext.LowestSafeLevel(ErrorModel.Add(ciphertext.MessageBound, ciphertext.NoiseBound));
        if (lowest == 0)
        {
            throw Overflow(ciphertext.MessageBound, ciphertext.NoiseBound, ciphertext);
        }

        int level = destination.LimbCount;
        if (level < lowest || level > ciphertext.LimbCount)
        {
            throw new ArgumentException($"The destination has {level} limbs; this ciphertext decrypts at {lowest} to {ciphertext.LimbCount} limbs.", nameof(destination));
        }

        RingQ ring = _p.Ring;
        Poly phase = destination.Poly;
        ciphertext.C1.Coefficients[..(level * _p.N)].CopyTo(phase.Coefficients);
        ring.Ntt(phase);
        ring.MulCoeffs(phase, _sk.Poly, phase);
        ring.InverseNtt(phase);
        ring.AddLimbs(ciphertext.C0, phase, phase);
        destination.Scale = ciphertext.Scale;
        destination.MessageBound = ciphertext.MessageBound;
        destination.EncodingErrorBound = ciphertext.EncodingErrorBound;
        destination.NoiseBound = ciphertext.NoiseBound;
    }

    internal static CkksOverflowException Overflow(double message, double noise, CkksCiphertext ct) => new(
        $"The ciphertext cannot be decrypted correctly: message bound 2^{Math.Log2(message):F1} + noise bound 2^{Math.Log2(noise):F1} reach q_ℓ/2 = 2^{Math.Log2((double)ct.Parameters.Ring.ModulusAt(ct.LimbCount) / 2):F1} at {ct.LimbCount} limbs. Encode smaller values, use a smaller scale, sum fewer ciphertexts or keep more limbs.");
}

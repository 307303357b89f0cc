using System.Numerics;

namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// Coefficient encoding with k values of w = b + h bits per coefficient and plaintext modulus
/// t = 2^(k·w): value index i goes to coefficient i / k, slot i mod k, as M_c = Σ_j v_{ck+j}·2^(j·w).
/// Encryption uses round(Q·M/t) (exact, so the encoding adds at most 1/2 to the noise even for t &gt; Q^(1/2));
/// decoding computes round(t·x/q') mod t and splits the slots. A sum of at most 2^h values per slot
/// never carries into the next slot.
/// </summary>
internal sealed class PackedEncoder
{
    private readonly MultipartyParameters _p;
    private readonly BigInteger[] _crtBasis;
    private readonly BigInteger _halfWire;

    public PackedEncoder(MultipartyParameters parameters)
    {
        _p = parameters;
        BigInteger q = parameters.WireModulus;
        _crtBasis = new BigInteger[parameters.WireLimbCount];
        for (int i = 0; i < parameters.WireLimbCount; i++)
        {
            ulong qi = parameters.Primes[i];
            BigInteger hat = q / qi;
            ulong hatMod = (ulong)(hat % qi);
            ulong inv = parameters.WireRing.Moduli[i].Inverse(hatMod);
            _crtBasis[i] = hat * inv % q;
        }

        _halfWire = q >> 1;
    }

    /// <summary>Writes round(Q·M/t) into every key-level limb of <paramref name="dst"/> (coefficient form).</summary>
    public void EncodeScaled(ReadOnlySpan<uint> values, MpPoly dst)
    {
        int n = _p.RingDegree, k = _p.ValuesPerCoefficient, w = _p.SlotBits, logT = _p.PlaintextModulusBits;
        uint limit = _p.ValueBits == 32 ? uint.MaxValue : (1u << _p.ValueBits) - 1;
        BigInteger qBig = _p.KeyModulus;
        BigInteger halfT = BigInteger.One << (logT - 1);
        MpModulus[] moduli = _p.KeyRing.Moduli;
        Array.Clear(dst.Data);
        for (int c = 0; c < n; c++)
        {
            int start = c * k;
            if (start >= values.Length)
            {
                break;
            }

            BigInteger m = BigInteger.Zero;
            for (int j = Math.Min(k, values.Length - start) - 1; j >= 0; j--)
            {
                uint v = values[start + j];
                if (v > limit)
                {
                    throw new ArgumentOutOfRangeException(nameof(values), v, $"Value {start + j} is {v}, not below 2^{_p.ValueBits}.");
                }

                m = (m << w) | v;
            }

            if (m.IsZero)
            {
                continue;
            }

            BigInteger y = (qBig * m + halfT) >> logT;
            for (int i = 0; i < dst.Limbs; i++)
            {
                dst.Data[i * n + c] = (ulong)(y % moduli[i].P);
            }
        }
    }

    /// <summary>Decodes a wire-level polynomial x = Δ'm + E into the exact slot sums (each &lt; 2^w).</summary>
    public ulong[] Decode(MpPoly x)
    {
        int n = _p.RingDegree, k = _p.ValuesPerCoefficient, w = _p.SlotBits, logT = _p.PlaintextModulusBits;
        BigInteger q = _p.WireModulus;
        BigInteger tMask = (BigInteger.One << logT) - 1;
        ulong slotMask = w == 64 ? ulong.MaxValue : (1UL << w) - 1;
        var result = new ulong[n * k];
        for (int c = 0; c < n; c++)
        {
            BigInteger acc = BigInteger.Zero;
            for (int i = 0; i < x.Limbs; i++)
            {
                acc += _crtBasis[i] * x.Data[i * n + c];
            }

            acc %= q;
            BigInteger m = (((acc << logT) + _halfWire) / q) & tMask;
            for (int j = 0; j < k; j++)
            {
                result[c * k + j] = (ulong)(m & slotMask);
                m >>= w;
            }
        }

        return result;
    }
}

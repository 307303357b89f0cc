using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Ckks.Internal;

/// <summary>
/// Converts RNS residues at ℓ limbs to the centered integer x ∈ (−q_ℓ/2, q_ℓ/2) as a double, exactly up to the final
/// rounding: Garner's mixed-radix digits a_i (x = Σ a_i·P_i, P_i = p_0·…·p_{i−1}) are exact; the sign test compares x
/// with q−1−x digit by digit (the complement's digits are p_i − 1 − a_i), and a negative x is returned as
/// −(Σ (p_i−1−a_i)·P_i + 1), so no cancellation occurs. The doubles are summed from the top digit down
/// (relative error ≤ (ℓ+1)·2^−53).
/// </summary>
internal sealed class CrtToDouble
{
    private readonly Modulus[] _moduli;
    private readonly int _limbs;
    private readonly ulong[] _inv;        // (P_i)^−1 mod p_i
    private readonly ulong[][] _pMod;     // _pMod[i][j] = P_j mod p_i, j < i
    private readonly double[] _pDouble;   // P_i as double

    public CrtToDouble(RingQ ring, int limbs)
    {
        _limbs = limbs;
        _moduli = ring.Moduli.Take(limbs).ToArray();
        _inv = new ulong[limbs];
        _pMod = new ulong[limbs][];
        _pDouble = new double[limbs];
        for (int i = 0; i < limbs; i++)
        {
            Modulus pi = _moduli[i];
            _pMod[i] = new ulong[i + 1];
            ulong prod = 1;
            for (int j = 0; j <= i; j++)
            {
                _pMod[i][j] = prod; // P_j mod p_i
                if (j < i)
                {
                    prod = pi.Multiply(prod, pi.Reduce(_moduli[j].Value));
                }
            }

            _inv[i] = i == 0 ? 1 : pi.Inverse(prod);
            _pDouble[i] = i == 0 ? 1.0 : (double)ring.ModulusAt(i);
        }
    }

    /// <summary>Writes the centered values of coefficient-form <paramref name="a"/> (first ℓ limbs), times
    /// <paramref name="factor"/>, to <paramref name="destination"/>.</summary>
    public void Convert(Poly a, double factor, Span<double> destination)
    {
        int n = a.N;
        if (_limbs == 1)
        {
            ulong p = _moduli[0].Value, half = p >> 1;
            ReadOnlySpan<ulong> y = a.Limb(0);
            for (int j = 0; j < n; j++)
            {
                ulong v = y[j];
                destination[j] = (v > half ? -(double)(p - v) : v) * factor;
            }

            return;
        }

        Span<ulong> digits = stackalloc ulong[_limbs];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < _limbs; i++)
            {
                Modulus pi = _moduli[i];
                ulong t = 0;
                for (int k = 0; k < i; k++)
                {
                    t = pi.Add(t, pi.Multiply(pi.Reduce(digits[k]), _pMod[i][k]));
                }

                digits[i] = pi.Multiply(pi.Subtract(a.Limb(i)[j], t), _inv[i]);
            }

            bool negative = false;
            for (int i = _limbs - 1; i >= 0; i--)
            {
                ulong c = _moduli[i].Value - 1 - digits[i];
                if (digits[i] != c)
                {
                    negative = digits[i] > c;
                    break;
                }
            }

            double x = 0;
            for (int i = _limbs - 1; i >= 0; i--)
            {
                ulong d = negative ? _moduli[i].Value - 1 - digits[i] : digits[i];
                x += d * _pDouble[i];
            }

            destination[j] = (negative ? -(x + 1.0) : x) * factor;
        }
    }
}

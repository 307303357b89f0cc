using System.Numerics;

namespace SecAgg.Crypto.Tests.Ring.Sampling;

/// <summary>
/// The pmf of D_{Z,σ} for an integer σ², computed independently of the samplers: every weight
/// ρ(x) = exp(−x²/(2σ²)) in 256-bit BigInteger fixed point (argument halved until ≤ 1/2, Taylor series, squared back),
/// normalised over |x| ≤ 40σ (the mass beyond is below e^−800).
/// </summary>
internal static class HighPrecisionGaussianPmf
{
    private const int Precision = 256;

    public static Func<long, double> Create(long variance)
    {
        long range = (40 * (long)Math.Ceiling(Math.Sqrt(variance))) + 10;
        var weights = new BigInteger[range + 1];
        BigInteger total = BigInteger.Zero;
        for (long x = 0; x <= range; x++)
        {
            weights[x] = ExpMinus(x * x, 2 * variance);
            total += x == 0 ? weights[x] : 2 * weights[x];
        }

        var pmf = new double[range + 1];
        for (long x = 0; x <= range; x++)
        {
            pmf[x] = (double)((weights[x] << 128) / total) / Math.Pow(2, 128);
        }

        return x => Math.Abs(x) <= range ? pmf[Math.Abs(x)] : 0;
    }

    /// <summary>2^256·exp(−num/den), rounded down to within a few units of the last place.</summary>
    internal static BigInteger ExpMinus(BigInteger num, BigInteger den)
    {
        int halvings = 0;
        while (num * 2 > den)
        {
            den *= 2;
            halvings++;
        }

        int work = Precision + 64;
        BigInteger one = BigInteger.One << work;
        BigInteger term = one, sum = one;
        for (int k = 1; !term.IsZero; k++)
        {
            term = term * num / (den * k);
            sum += (k & 1) == 1 ? -term : term;
        }

        for (int i = 0; i < halvings; i++)
        {
            sum = (sum * sum) >> work;
        }

        return sum >> (work - Precision);
    }
}

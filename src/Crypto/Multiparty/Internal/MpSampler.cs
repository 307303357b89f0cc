namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>Samplers for the multiparty layer: uniform mod q, ternary, small and flooding Gaussians.</summary>
internal static class MpSampler
{
    /// <summary>Standard deviation of the small error (as SEAL/Lattigo).</summary>
    public const double ErrorSigma = 3.2;

    /// <summary>Truncation bound of the small error: |e| ≤ 19 (= ⌊6σ⌋).</summary>
    public const int ErrorBound = 19;

    /// <summary>Flooding samples are truncated at this many σ (tail mass &lt; 2^-100 per sample).</summary>
    public const double FloodTailSigmas = 12.0;

    /// <summary>Largest flooding σ the 53-bit Box–Muller sampler supports.</summary>
    public const double MaxFloodSigma = 1125899906842624.0; // 2^50

    private static readonly ulong[] ErrorCdt = BuildErrorCdt();

    private static ulong[] BuildErrorCdt()
    {
        // Cumulative distribution of the discrete Gaussian on [-19, 19], scaled to 2^63.
        int size = 2 * ErrorBound + 1;
        var w = new double[size];
        double total = 0;
        for (int i = 0; i < size; i++)
        {
            int x = i - ErrorBound;
            w[i] = Math.Exp(-(double)x * x / (2 * ErrorSigma * ErrorSigma));
            total += w[i];
        }

        var cdt = new ulong[size];
        double acc = 0;
        for (int i = 0; i < size; i++)
        {
            acc += w[i] / total;
            cdt[i] = (ulong)Math.Min(acc * 9223372036854775808.0, 9223372036854775807.0);
        }

        cdt[size - 1] = ulong.MaxValue;
        return cdt;
    }

    /// <summary>Uniform coefficients in [0, p) for each limb, by rejection on masked 64-bit words.</summary>
    public static void Uniform(MpPrng prng, MpRing ring, MpPoly dst)
    {
        for (int i = 0; i < dst.Limbs; i++)
        {
            ulong p = ring.Moduli[i].P;
            ulong mask = (1UL << ring.Moduli[i].BitLength) - 1;
            Span<ulong> z = dst.Limb(i);
            for (int j = 0; j < z.Length; j++)
            {
                ulong v;
                do
                {
                    v = prng.NextUInt64() & mask;
                }
                while (v >= p);
                z[j] = v;
            }
        }
    }

    /// <summary>Uniform ternary {-1, 0, 1} coefficients (bytes below 255 taken mod 3).</summary>
    public static void Ternary(MpPrng prng, Span<long> dst)
    {
        Span<byte> buf = stackalloc byte[256];
        int pos = buf.Length;
        for (int j = 0; j < dst.Length; j++)
        {
            byte b;
            do
            {
                if (pos == buf.Length)
                {
                    prng.Fill(buf);
                    pos = 0;
                }

                b = buf[pos++];
            }
            while (b == 255);
            dst[j] = (b % 3) - 1;
        }

        buf.Clear();
    }

    /// <summary>Discrete Gaussian σ = 3.2 truncated to |e| ≤ 19 (table inversion).</summary>
    public static void SmallError(MpPrng prng, Span<long> dst)
    {
        for (int j = 0; j < dst.Length; j++)
        {
            ulong u = prng.NextUInt64() >> 1;
            int k = 0;
            while (k < ErrorCdt.Length - 1 && u >= ErrorCdt[k])
            {
                k++;
            }

            dst[j] = k - ErrorBound;
        }
    }

    /// <summary>
    /// Flooding noise: a rounded Gaussian of standard deviation σ (Box–Muller, 53-bit), truncated at
    /// <see cref="FloodTailSigmas"/>·σ so that the tracked noise bound is rigorous.
    /// </summary>
    public static void Flood(MpPrng prng, double sigma, Span<long> dst)
    {
        if (!(sigma >= 0) || sigma > MaxFloodSigma)
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The flooding σ must be in [0, 2^50].");
        }

        long bound = FloodBound(sigma);
        int j = 0;
        while (j < dst.Length)
        {
            // Box–Muller: one pair of uniforms gives two independent normals.
            double r = Math.Sqrt(-2.0 * Math.Log(prng.NextDoubleOpenZero()));
            (double sin, double cos) = Math.SinCos(2.0 * Math.PI * prng.NextDoubleOpenZero());
            long x0 = (long)Math.Round(sigma * r * cos);
            long x1 = (long)Math.Round(sigma * r * sin);
            if (x0 <= bound && x0 >= -bound)
            {
                dst[j++] = x0;
            }

            if (j < dst.Length && x1 <= bound && x1 >= -bound)
            {
                dst[j++] = x1;
            }
        }
    }

    /// <summary>The truncation bound ⌊12σ⌋ of a flooding sample.</summary>
    public static long FloodBound(double sigma) => (long)Math.Floor(FloodTailSigmas * sigma);
}

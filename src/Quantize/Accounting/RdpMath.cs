namespace SecAgg.Quantize.Accounting;

/// <summary>
/// Rényi-DP formulas (all for sensitivity-normalised mechanisms, natural logarithms). Accounting
/// works on public parameters only, so double precision is fine here (no secret touches it).
/// </summary>
public static class RdpMath
{
    /// <summary>Gaussian or discrete Gaussian mechanism, no subsampling: α·Δ²/(2σ²) (CKS 2020 Prop. 5 for the discrete one).</summary>
    public static double Gaussian(double alpha, double sensitivity, double sigma)
        => alpha * sensitivity * sensitivity / (2 * sigma * sigma);

    /// <summary>
    /// τ = 10·Σ_{k=1}^{n−1} exp(−2π²σ²·k/(k+1)) (Kairouz-Liu-Steinke 2021, Thm 1): the distance of a
    /// sum of n discrete Gaussians of variance σ² from a discrete Gaussian of variance nσ².
    /// </summary>
    public static double DdgTau(int participants, double sigmaInt)
    {
        double tau = 0;
        for (int k = 1; k < participants; k++)
        {
            tau += Math.Exp(-2 * Math.PI * Math.PI * sigmaInt * sigmaInt * k / (k + 1.0));
        }

        return 10 * tau;
    }

    /// <summary>
    /// RDP of the sum of n clients' N_Z(0, σ_int²) noise on a d-dimensional integer vector with
    /// L2 sensitivity Δ2 (KLS 2021 Thm 1, research code accounting_utils):
    /// l2 = Δ2/(√n σ), l1 = Δ1/(√n σ), Δ1 = Δ2·min(√d, Δ2);
    /// min{ α/2·l2² + τd, α/2·(l2² + 2·l1·τ + τ²d), α/2·(l2 + √d·τ)² }.
    /// </summary>
    public static double DdgSum(double alpha, int participants, double sigmaInt, double l2Sensitivity, long dimension)
    {
        double tau = DdgTau(participants, sigmaInt);
        double sqrtN = Math.Sqrt(participants);
        double sqrtD = Math.Sqrt(dimension);
        double delta1 = l2Sensitivity * Math.Min(sqrtD, l2Sensitivity);
        double l2 = l2Sensitivity / (sqrtN * sigmaInt);
        double l1 = delta1 / (sqrtN * sigmaInt);
        double e1 = (alpha / 2 * l2 * l2) + (tau * dimension);
        double e2 = alpha / 2 * ((l2 * l2) + (2 * l1 * tau) + (tau * tau * dimension));
        double e3 = alpha / 2 * (l2 + (sqrtD * tau)) * (l2 + (sqrtD * tau));
        return Math.Min(e1, Math.Min(e2, e3));
    }

    /// <summary>
    /// Poisson-subsampled Gaussian with sampling rate q and noise multiplier σ (sensitivity 1):
    /// log A_α/(α − 1), Mironov-Talwar-Zhang 2019, as in dp_accounting's rdp_privacy_accountant
    /// (integer α: the exact binomial sum; fractional α: the two-sided series with erfc).
    /// </summary>
    public static double SubsampledGaussian(double q, double sigma, double alpha)
    {
        if (q == 0)
        {
            return 0;
        }

        if (q == 1)
        {
            return alpha / (2 * sigma * sigma);
        }

        if (double.IsPositiveInfinity(alpha))
        {
            return double.PositiveInfinity;
        }

        double logA = alpha == Math.Floor(alpha) ? LogAInt(q, sigma, (int)alpha) : LogAFrac(q, sigma, alpha);
        return logA / (alpha - 1);
    }

    private static double LogAInt(double q, double sigma, int alpha)
    {
        double logA = double.NegativeInfinity;
        double logCoef = 0; // log C(alpha, 0)
        for (int i = 0; i <= alpha; i++)
        {
            if (i > 0)
            {
                logCoef += Math.Log(alpha - i + 1) - Math.Log(i);
            }

            double s = logCoef + (i * Math.Log(q)) + ((alpha - i) * Math.Log(1 - q)) + (((double)i * i) - i) / (2 * sigma * sigma);
            logA = LogAdd(logA, s);
        }

        return logA;
    }

    private static double LogAFrac(double q, double sigma, double alpha)
    {
        double logA0 = double.NegativeInfinity, logA1 = double.NegativeInfinity;
        double z0 = (sigma * sigma * Math.Log((1 / q) - 1)) + 0.5;
        double logAbsCoef = 0;
        int coefSign = 1;
        for (int i = 0; ; i++)
        {
            if (i > 0)
            {
                double factor = (alpha - (i - 1)) / i;
                if (factor == 0)
                {
                    break;
                }

                logAbsCoef += Math.Log(Math.Abs(factor));
                if (factor < 0)
                {
                    coefSign = -coefSign;
                }
            }

            double j = alpha - i;
            double logT0 = logAbsCoef + (i * Math.Log(q)) + (j * Math.Log(1 - q));
            double logT1 = logAbsCoef + (j * Math.Log(q)) + (i * Math.Log(1 - q));
            double logE0 = Math.Log(0.5) + LogErfc((i - z0) / (Math.Sqrt(2) * sigma));
            double logE1 = Math.Log(0.5) + LogErfc((z0 - j) / (Math.Sqrt(2) * sigma));
            double logS0 = logT0 + ((((double)i * i) - i) / (2 * sigma * sigma)) + logE0;
            double logS1 = logT1 + (((j * j) - j) / (2 * sigma * sigma)) + logE1;
            if (coefSign > 0)
            {
                logA0 = LogAdd(logA0, logS0);
                logA1 = LogAdd(logA1, logS1);
            }
            else
            {
                logA0 = LogSub(logA0, logS0);
                logA1 = LogSub(logA1, logS1);
            }

            if (Math.Max(logS0, logS1) < -30)
            {
                break;
            }
        }

        return LogAdd(logA0, logA1);
    }

    /// <summary>
    /// Zhu and Wang 2019 ("Poisson Subsampled Rényi Differential Privacy", general upper bound) for
    /// integer α ≥ 2, given the base mechanism's RDP ε(·):
    /// (1/(α−1))·log{ (1−q)^{α−1}(αq − q + 1) + C(α,2)q²(1−q)^{α−2}e^{ε(2)} + 3·Σ_{j=3..α} C(α,j)q^j(1−q)^{α−j}e^{(j−1)ε(j)} },
    /// never more than ε(α) itself.
    /// </summary>
    public static double PoissonSubsampled(double q, int alpha, Func<int, double> baseRdp)
    {
        if (alpha < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), "The Zhu-Wang bound needs an integer order >= 2.");
        }

        double full = baseRdp(alpha);
        if (q >= 1)
        {
            return full;
        }

        if (q <= 0)
        {
            return 0;
        }

        double lq = Math.Log(q), l1q = Math.Log(1 - q);
        double acc = ((alpha - 1) * l1q) + Math.Log((alpha * q) - q + 1);
        double logC = Math.Log(alpha) + Math.Log(alpha - 1) - Math.Log(2); // C(alpha, 2)
        acc = LogAdd(acc, logC + (2 * lq) + ((alpha - 2) * l1q) + baseRdp(2));
        for (int j = 3; j <= alpha; j++)
        {
            logC += Math.Log(alpha - j + 1) - Math.Log(j);
            acc = LogAdd(acc, Math.Log(3) + logC + (j * lq) + ((alpha - j) * l1q) + ((j - 1) * baseRdp(j)));
        }

        return Math.Min(full, acc / (alpha - 1));
    }

    /// <summary>
    /// RDP → (ε, δ): ε = min_α [ RDP(α) + log(1 − 1/α) − (log δ + log α)/(α − 1) ]
    /// (Canonne-Kamath-Steinke 2020 Prop. 12 / Balle et al. 2020 Thm 21), as in dp_accounting:
    /// an order whose δ² + expm1(−RDP) ≥ 0 gives ε = 0, orders ≤ 1.01 give ∞.
    /// </summary>
    public static (double Epsilon, double Order) ToEpsilon(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double delta)
    {
        double best = double.PositiveInfinity, bestOrder = double.NaN;
        for (int i = 0; i < orders.Count; i++)
        {
            double a = orders[i], r = rdp[i];
            double eps;
            if (double.IsNaN(r) || double.IsPositiveInfinity(r))
            {
                eps = double.PositiveInfinity;
            }
            else if ((delta * delta) + ExpM1(-r) >= 0)
            {
                eps = 0;
            }
            else if (a > 1.01)
            {
                eps = r + Math.Log(1 - (1 / a)) - (Math.Log(delta * a) / (a - 1));
            }
            else
            {
                eps = double.PositiveInfinity;
            }

            if (eps < best)
            {
                best = eps;
                bestOrder = a;
            }
        }

        return (Math.Max(0, best), bestOrder);
    }

    /// <summary>RDP → δ for a target ε (same conversion, solved for δ): log δ = min_α (α−1)(RDP(α) − ε + log(1 − 1/α)) − log α.</summary>
    public static double ToDelta(IReadOnlyList<double> orders, IReadOnlyList<double> rdp, double epsilon)
    {
        double best = 1;
        for (int i = 0; i < orders.Count; i++)
        {
            double a = orders[i], r = rdp[i];
            if (a <= 1.01 || double.IsPositiveInfinity(r))
            {
                continue;
            }

            // from eps = r + log(1-1/a) - (log delta + log a)/(a-1):
            double logDelta = ((a - 1) * (r - epsilon + Math.Log(1 - (1 / a)))) - Math.Log(a);
            best = Math.Min(best, Math.Exp(logDelta));
        }

        return best;
    }

    private static double ExpM1(double x) => Math.Abs(x) < 1e-5 ? x + (x * x / 2) + (x * x * x / 6) : Math.Exp(x) - 1;

    internal static double LogAdd(double a, double b)
    {
        double hi = Math.Max(a, b), lo = Math.Min(a, b);
        if (double.IsNegativeInfinity(hi))
        {
            return hi;
        }

        return hi + Math.Log(1 + Math.Exp(lo - hi));
    }

    internal static double LogSub(double a, double b)
    {
        if (b > a)
        {
            throw new ArgumentException("log-space subtraction would go negative");
        }

        if (double.IsNegativeInfinity(b))
        {
            return a;
        }

        if (a == b)
        {
            return double.NegativeInfinity;
        }

        double d = b - a;
        return a + Math.Log(-(ExpM1(d)));
    }

    /// <summary>log(erfc(x)), accurate in the far tail (asymptotic series beyond x = 25).</summary>
    internal static double LogErfc(double x)
    {
        if (x < 0)
        {
            return Math.Log(2 - Erfc(-x));
        }

        if (x < 25)
        {
            return Math.Log(Erfc(x));
        }

        double x2 = x * x;
        double series = 1 - (1 / (2 * x2)) + (3 / (4 * x2 * x2)) - (15 / (8 * x2 * x2 * x2));
        return -x2 - Math.Log(x) - (0.5 * Math.Log(Math.PI)) + Math.Log(series);
    }

    /// <summary>erfc(x) for x ≥ 0: the Taylor series of erf below 2, Lentz's continued fraction above.</summary>
    internal static double Erfc(double x)
    {
        if (x < 2)
        {
            // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double term = x, sum = x, x2 = x * x;
            for (int n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                double t = term / ((2 * n) + 1);
                sum += t;
                if (Math.Abs(t) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }

            return 1 - (2 / Math.Sqrt(Math.PI) * sum);
        }

        // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) ; modified Lentz
        const double Tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 500; n++)
        {
            double an = n / 2.0;
            d = x + (an * d);
            d = d == 0 ? Tiny : d;
            c = x + (an / c);
            c = c == 0 ? Tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}

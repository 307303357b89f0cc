using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Accounting;

/// <summary>(ε, δ) and the Rényi order that achieved it.</summary>
/// <param name="Epsilon">ε.</param>
/// <param name="Delta">δ.</param>
/// <param name="Order">The optimal Rényi order α.</param>
public readonly record struct PrivacySpent(double Epsilon, double Delta, double Order);

/// <summary>
/// Rényi-DP accountant: composes mechanisms over rounds by adding their RDP curves on a fixed grid
/// of orders, and converts to (ε, δ) with the improved conversion of Canonne, Kamath and Steinke
/// 2020 (Prop. 12; also Balle et al. 2020 Thm 21), exactly as dp_accounting and Opacus do:
/// ε = min_α [ RDP(α) + log(1 − 1/α) − (log δ + log α)/(α − 1) ].
/// </summary>
/// <remarks>
/// Mechanisms: the (discrete) Gaussian, α·Δ²/(2σ²); the Poisson-subsampled Gaussian, tight
/// log A_α (Mironov-Talwar-Zhang 2019, dp_accounting's integer and fractional formulas, which are
/// the conservative ones at fractional orders); the distributed discrete Gaussian sum with its τ
/// term (KLS 2021 Thm 1) and, with participant sampling q &lt; 1, the Zhu-Wang 2019 general
/// Poisson-subsampling bound at integer orders (fractional orders are skipped there).
/// Not thread-safe.
/// </remarks>
public sealed class PrivacyAccountant
{
    /// <summary>dp_accounting's default orders: 1.1…10.9 in steps of 0.1, 11…63, 128, 256, 512, 1024.</summary>
    public static IReadOnlyList<double> DefaultOrders { get; } = BuildDefaultOrders();

    private readonly double[] _orders;
    private readonly double[] _rdp;

    /// <summary>Creates an empty ledger on <paramref name="orders"/> (default <see cref="DefaultOrders"/>).</summary>
    public PrivacyAccountant(IReadOnlyList<double>? orders = null)
    {
        orders ??= DefaultOrders;
        if (orders.Count == 0 || orders.Any(a => !(a > 1) || double.IsNaN(a)))
        {
            throw new ArgumentException("Rényi orders must all be greater than 1.", nameof(orders));
        }

        _orders = orders.ToArray();
        _rdp = new double[_orders.Length];
    }

    /// <summary>The orders of the ledger.</summary>
    public IReadOnlyList<double> Orders => _orders;

    /// <summary>The accumulated RDP at each order.</summary>
    public IReadOnlyList<double> Rdp => _rdp;

    /// <summary>
    /// Adds <paramref name="steps"/> runs of the Gaussian mechanism with L2 sensitivity 1 and noise
    /// multiplier σ = <paramref name="noiseMultiplier"/>, each on a Poisson sample of rate q.
    /// The discrete Gaussian has the same RDP α/(2σ²) at q = 1 (CKS 2020).
    /// </summary>
    public void ComposeGaussian(double noiseMultiplier, int steps = 1, double samplingRate = 1.0)
    {
        CheckCommon(noiseMultiplier, steps, samplingRate);
        for (int i = 0; i < _orders.Length; i++)
        {
            _rdp[i] += steps * RdpMath.SubsampledGaussian(samplingRate, noiseMultiplier, _orders[i]);
        }
    }

    /// <summary>
    /// Adds <paramref name="rounds"/> rounds of the distributed discrete Gaussian sum with
    /// sensitivity Δ2 = B (the norm bound), all n = <see cref="DdgParameters.ExpectedParticipants"/>
    /// summands honest (no colluders: c = 0), σ_int each, padded dimension d. The same as
    /// <see cref="ComposeDdgHonest"/> with n honest summands.
    /// </summary>
    public void ComposeDdg(DdgParameters parameters, int rounds = 1, double samplingRate = 1.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ComposeDdgHonest(parameters, parameters.ExpectedParticipants, rounds, samplingRate);
    }

    /// <summary>
    /// Adds <paramref name="rounds"/> rounds of the distributed discrete Gaussian sum in which only
    /// <paramref name="honestSummands"/> h = k − c of the k summands' noise counts: the aggregator and c
    /// colluding participants know the colluders' noise and subtract it, so the released sum is, to them,
    /// the honest inputs plus h independent N_Z(0, σ_int²) shares (KLS 2021 Thm 1 with n = h, sensitivity
    /// Δ2 = B of one honest participant, padded dimension d). Use <see cref="HonestSummands"/> for h = k − c.
    /// With <paramref name="samplingRate"/> &lt; 1, the Zhu-Wang bound at integer orders.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">h &lt; 1, rounds &lt; 0 or q outside (0, 1].</exception>
    public void ComposeDdgHonest(DdgParameters parameters, int honestSummands, int rounds = 1, double samplingRate = 1.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckCommon(parameters.SigmaInt, rounds, samplingRate);
        if (honestSummands < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(honestSummands), $"A round with {honestSummands} honest summands carries no honest noise; at least 1 is needed.");
        }

        int n = honestSummands;
        double sigma = parameters.SigmaInt, delta2 = parameters.NormBound;
        long d = parameters.PaddedDimension;
        double Base(double a) => RdpMath.DdgSum(a, n, sigma, delta2, d);
        for (int i = 0; i < _orders.Length; i++)
        {
            double a = _orders[i];
            double r;
            if (samplingRate >= 1)
            {
                r = Base(a);
            }
            else if (a == Math.Floor(a))
            {
                r = RdpMath.PoissonSubsampled(samplingRate, (int)a, j => Base(j));
            }
            else
            {
                r = double.PositiveInfinity;
            }

            _rdp[i] += rounds * r;
        }
    }

    /// <summary>
    /// h = k − c, the summands whose noise counts in a round of <paramref name="summands"/> k uploads when up to
    /// <paramref name="colluders"/> c of them collude with the aggregator.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">c &lt; 0, or k − c &lt; 1 (the message names the numbers).</exception>
    public static int HonestSummands(int summands, int colluders)
    {
        if (colluders < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(colluders), $"max-colluders c = {colluders} must be 0 or more.");
        }

        if (summands - colluders < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(colluders), $"A round of k = {summands} summands with up to c = {colluders} colluders has k - c = {summands - colluders} honest summands; at least 1 is needed (lower max-colluders or require more participants).");
        }

        return summands - colluders;
    }

    /// <summary>The smallest ε over the orders for the given δ.</summary>
    public PrivacySpent GetEpsilon(double delta)
    {
        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), $"delta = {delta} must be in (0, 1).");
        }

        (double eps, double order) = RdpMath.ToEpsilon(_orders, _rdp, delta);
        return new PrivacySpent(eps, delta, order);
    }

    /// <summary>The smallest δ over the orders for the given ε.</summary>
    public double GetDelta(double epsilon)
    {
        if (!(epsilon >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), $"epsilon = {epsilon} must be non-negative.");
        }

        return RdpMath.ToDelta(_orders, _rdp, epsilon);
    }

    /// <summary>
    /// The smallest Gaussian noise multiplier whose <paramref name="steps"/>-fold composition (sampling
    /// rate q) stays within (<paramref name="targetEpsilon"/>, <paramref name="delta"/>), by bisection
    /// on log σ to a relative tolerance of 1e-6.
    /// </summary>
    public static double FindGaussianNoiseMultiplier(double targetEpsilon, double delta, int steps, double samplingRate = 1.0)
    {
        return Bisect(targetEpsilon, delta, z =>
        {
            var a = new PrivacyAccountant();
            a.ComposeGaussian(z, steps, samplingRate);
            return a.GetEpsilon(delta).Epsilon;
        });
    }

    /// <summary>
    /// The smallest DDG noise multiplier z (everything else from <paramref name="literal"/>) whose
    /// <paramref name="rounds"/> rounds stay within (<paramref name="targetEpsilon"/>, <paramref name="delta"/>)
    /// when each round has the expected N = <see cref="DdgParameterLiteral.ExpectedParticipants"/> summands of
    /// which <paramref name="colluders"/> c collude: only N − c honest noise shares count
    /// (<see cref="ComposeDdgHonest"/>). γ, σ_int and B are re-derived for each candidate z.
    /// </summary>
    /// <remarks>
    /// The plan is for the expected round (k = N), as the DDG scale γ is: every participant adds σ_int, sized so that
    /// the N − c honest shares alone meet the target. A round that closes with fewer uploads (k &lt; N) has less
    /// honest noise and costs more; it is charged at its real k − c when published (RoundPrivacy), and the aggregator
    /// and each participant's ledger refuse a round whose worst case (k = min-participants) would exceed the
    /// budget. Planning for that worst case instead would add noise to every ordinary round.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">c &lt; 0 or N − c &lt; 1 (named), or the target cannot be met.</exception>
    public static double FindDdgNoiseMultiplier(DdgParameterLiteral literal, double targetEpsilon, double delta, int rounds, double samplingRate = 1.0, int colluders = 0)
    {
        ArgumentNullException.ThrowIfNull(literal);
        int honest = HonestSummands(literal.ExpectedParticipants, colluders);
        return Bisect(targetEpsilon, delta, z =>
        {
            DdgParameters p;
            try
            {
                p = DdgParameters.Create(literal with { NoiseMultiplier = z });
            }
            catch (ArgumentException)
            {
                return double.PositiveInfinity; // z too small for these bits (sigma_int < 1/2)
            }

            var a = new PrivacyAccountant();
            a.ComposeDdgHonest(p, honest, rounds, samplingRate);
            return a.GetEpsilon(delta).Epsilon;
        });
    }

    private static double Bisect(double targetEpsilon, double delta, Func<double, double> epsilonOf)
    {
        if (!(targetEpsilon > 0) || double.IsInfinity(targetEpsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), $"Target epsilon = {targetEpsilon} must be positive and finite.");
        }

        if (!(delta > 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), $"delta = {delta} must be in (0, 1).");
        }

        double lo = 1e-3, hi = 1e4;
        if (epsilonOf(hi) > targetEpsilon)
        {
            throw new ArgumentOutOfRangeException(nameof(targetEpsilon), $"Even noise multiplier {hi} does not reach epsilon = {targetEpsilon}: raise the target or lower the number of rounds.");
        }

        if (epsilonOf(lo) <= targetEpsilon)
        {
            return lo;
        }

        while (hi / lo > 1 + 1e-6)
        {
            double mid = Math.Sqrt(lo * hi);
            if (epsilonOf(mid) <= targetEpsilon)
            {
                hi = mid;
            }
            else
            {
                lo = mid;
            }
        }

        return hi;
    }

    private static void CheckCommon(double sigma, int steps, double q)
    {
        if (!(sigma > 0) || double.IsInfinity(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), $"The noise multiplier/standard deviation {sigma} must be positive and finite.");
        }

        if (steps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), $"The number of steps/rounds {steps} must be non-negative.");
        }

        if (!(q > 0 && q <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(q), $"The sampling rate q = {q} must be in (0, 1].");
        }
    }

    private static double[] BuildDefaultOrders()
    {
        var list = new List<double>();
        for (int x = 1; x < 100; x++)
        {
            list.Add(1 + (x / 10.0));
        }

        for (int a = 11; a < 64; a++)
        {
            list.Add(a);
        }

        list.AddRange([128, 256, 512, 1024]);
        return list.ToArray();
    }
}

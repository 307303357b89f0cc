using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
namespace SecAgg.Crypto.Multiparty.Internal;

/// <summary>
/// Shamir secret sharing of RNS polynomials, coefficient-wise and independently over every prime
/// field Z_{q_i} (each q_i is prime, so each limb is a field). A sharing of degree threshold−1 is
/// evaluated at the public points x_j = 1..N; any threshold shares reconstruct with Lagrange weights
/// λ_j = Π_{m≠j} x_m / (x_m − x_j) (mod q_i); fewer reveal nothing (they are uniform and independent).
/// </summary>
internal static class ShamirSharing
{
    /// <summary>
    /// Shares <paramref name="secret"/> (limb-major L·n words, each &lt; its prime) with a random polynomial
    /// of degree threshold−1 per coefficient and limb. Returns one share (L·n words) per point 1..parties.
    /// </summary>
    public static ulong[][] Share(ReadOnlySpan<ulong> secret, IReadOnlyList<Modulus> moduli, int n, int threshold, int parties, Prng prng)
    {
        int limbs = moduli.Count;
        if (secret.Length != limbs * n)
        {
            throw new ArgumentException($"The secret must have {limbs}·{n} words.", nameof(secret));
        }

        if (threshold < 1 || threshold > parties)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"The threshold must be in [1, {parties}].");
        }

        foreach (Modulus m in moduli)
        {
            if ((ulong)parties >= m.Value)
            {
                throw new ArgumentOutOfRangeException(nameof(parties), parties, "Every prime must exceed the number of parties.");
            }
        }

        var shares = new ulong[parties][];
        for (int j = 0; j < parties; j++)
        {
            shares[j] = secret.ToArray();
        }

        var coeff = new ulong[n];
        for (int k = 1; k < threshold; k++)
        {
            for (int l = 0; l < limbs; l++)
            {
                Modulus m = moduli[l];
                ulong mask = (1UL << m.BitLength) - 1;
                for (int c = 0; c < n; c++)
                {
                    ulong v;
                    do
                    {
                        v = prng.NextUInt64() & mask;
                    }
                    while (v >= m.Value);
                    coeff[c] = v;
                }

                for (int j = 0; j < parties; j++)
                {
                    ulong xk = m.Pow((ulong)(j + 1), (ulong)k);
                    ulong xs = m.ShoupPrecompute(xk);
                    Span<ulong> dst = shares[j].AsSpan(l * n, n);
                    for (int c = 0; c < n; c++)
                    {
                        dst[c] = m.Add(dst[c], m.MultiplyShoup(coeff[c], xk, xs));
                    }
                }
            }
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(coeff.AsSpan()));
        return shares;
    }

    /// <summary>
    /// Shares <paramref name="secret"/> like <see cref="Share"/> (a uniformly random polynomial f of degree threshold−1
    /// per coefficient and limb with f(0) = secret, evaluated at 1..parties), but fixes f through threshold−1 of its
    /// values instead of its coefficients: for each point x in <paramref name="seededPoints"/> the share f(x) is the
    /// given uniform <paramref name="seededValues"/> (in a protocol, the expansion of a 32-byte seed sent instead of
    /// the share), and the other shares are f(x) = Σ_{p∈P} f(p)·L_p(x) with P = {0} ∪ seededPoints and
    /// L_p(x) = Π_{q∈P, q≠p} (x − q)/(p − q) mod q_l. Uniform independent values at threshold−1 nonzero points and the
    /// secret at 0 determine f uniquely and make it exactly as distributed as uniform coefficients (the map from
    /// coefficients to values is a bijection), so any threshold−1 shares are still uniform and independent of the secret.
    /// Returns one share per point 1..parties; the seeded points' entries are copies of their values.
    /// </summary>
    public static ulong[][] ShareThroughValues(ReadOnlySpan<ulong> secret, IReadOnlyList<Modulus> moduli, int n, int threshold, int parties, IReadOnlyList<int> seededPoints, IReadOnlyList<ulong[]> seededValues)
    {
        int limbs = moduli.Count;
        if (secret.Length != limbs * n)
        {
            throw new ArgumentException($"The secret must have {limbs}·{n} words.", nameof(secret));
        }

        if (seededPoints.Count != threshold - 1 || seededValues.Count != threshold - 1 || seededPoints.Distinct().Count() != threshold - 1
            || seededPoints.Any(x => x < 1 || x > parties) || seededValues.Any(v => v.Length != limbs * n))
        {
            throw new ArgumentException($"Exactly threshold−1 = {threshold - 1} distinct points in 1..{parties} with {limbs}·{n} words each are needed.", nameof(seededPoints));
        }

        int[] known = [0, .. seededPoints];
        var shares = new ulong[parties][];
        for (int a = 0; a < seededPoints.Count; a++)
        {
            shares[seededPoints[a] - 1] = (ulong[])seededValues[a].Clone();
        }

        ulong[] weights = new ulong[known.Length], shoup = new ulong[known.Length];
        for (int x = 1; x <= parties; x++)
        {
            if (shares[x - 1] is not null)
            {
                continue;
            }

            ulong[] dst = new ulong[limbs * n];
            for (int l = 0; l < limbs; l++)
            {
                Modulus m = moduli[l];
                for (int a = 0; a < known.Length; a++)
                {
                    ulong num = 1, den = 1;
                    for (int b = 0; b < known.Length; b++)
                    {
                        if (b != a)
                        {
                            num = m.Multiply(num, m.Subtract(m.Reduce((ulong)x), m.Reduce((ulong)known[b])));
                            den = m.Multiply(den, m.Subtract(m.Reduce((ulong)known[a]), m.Reduce((ulong)known[b])));
                        }
                    }

                    weights[a] = m.Multiply(num, m.Inverse(den));
                    shoup[a] = m.ShoupPrecompute(weights[a]);
                }

                Span<ulong> row = dst.AsSpan(l * n, n);
                for (int a = 0; a < known.Length; a++)
                {
                    ReadOnlySpan<ulong> src = a == 0 ? secret.Slice(l * n, n) : seededValues[a - 1].AsSpan(l * n, n);
                    ulong w = weights[a], ws = shoup[a];
                    for (int c = 0; c < n; c++)
                    {
                        row[c] = m.Add(row[c], m.MultiplyShoup(src[c], w, ws));
                    }
                }
            }

            shares[x - 1] = dst;
        }

        return shares;
    }

    /// <summary>
    /// Dealer <paramref name="dealer"/>'s seeded dealing of <paramref name="secret"/> (both protocol versions): the
    /// threshold−1 parties after the dealer (cyclically, so every party receives threshold−1 seeds over all dealers) get
    /// a fresh 32-byte seed from <paramref name="prng"/> whose <paramref name="expandSeed"/> (uniform limbs) is their
    /// share; the dealing polynomial is fixed through those values and the secret at 0
    /// (<see cref="ShareThroughValues"/>), and the other parties' shares are interpolated. Returns, per recipient
    /// 1..parties (index j−1), the share's L·n words and its seed (null for an interpolated share). The expanded seed
    /// values are wiped.
    /// </summary>
    public static (ulong[][] Shares, byte[]?[] Seeds) DealSeeded(ReadOnlySpan<ulong> secret, IReadOnlyList<Modulus> moduli, int n, int threshold, int parties, int dealer, Prng prng, Func<byte[], ulong[]> expandSeed)
    {
        int[] seeded = [.. Enumerable.Range(1, threshold - 1).Select(k => ((dealer - 1 + k) % parties) + 1)];
        var seeds = new byte[seeded.Length][];
        var values = new ulong[seeded.Length][];
        for (int a = 0; a < seeded.Length; a++)
        {
            seeds[a] = new byte[Prng.SeedLength];
            prng.Fill(seeds[a]);
            values[a] = expandSeed(seeds[a]);
        }

        ulong[][] shares = ShareThroughValues(secret, moduli, n, threshold, parties, seeded, values);
        foreach (ulong[] v in values)
        {
            Array.Clear(v);
        }

        var bySeat = new byte[]?[parties];
        for (int a = 0; a < seeded.Length; a++)
        {
            bySeat[seeded[a] - 1] = seeds[a];
        }

        return (shares, bySeat);
    }

    /// <summary>
    /// Lagrange weights at zero for the active points (1-based party ids), one row per member and one
    /// column per limb: λ_j = Π_{m≠j} x_m/(x_m − x_j) mod q_l.
    /// </summary>
    public static ulong[][] LagrangeAtZero(IReadOnlyList<int> points, IReadOnlyList<Modulus> moduli)
    {
        var result = new ulong[points.Count][];
        for (int a = 0; a < points.Count; a++)
        {
            result[a] = new ulong[moduli.Count];
            for (int l = 0; l < moduli.Count; l++)
            {
                Modulus m = moduli[l];
                ulong num = 1, den = 1;
                ulong xj = (ulong)points[a];
                for (int b = 0; b < points.Count; b++)
                {
                    if (b == a)
                    {
                        continue;
                    }

                    ulong xm = (ulong)points[b];
                    num = m.Multiply(num, xm);
                    den = m.Multiply(den, m.Subtract(m.Reduce(xm), m.Reduce(xj)));
                }

                result[a][l] = m.Multiply(num, m.Inverse(den));
            }
        }

        return result;
    }

    /// <summary>Reconstructs the secret from shares at the given points (any threshold of them).</summary>
    public static ulong[] Reconstruct(IReadOnlyList<int> points, IReadOnlyList<ulong[]> shares, IReadOnlyList<Modulus> moduli, int n)
    {
        ulong[][] lambda = LagrangeAtZero(points, moduli);
        var secret = new ulong[moduli.Count * n];
        for (int a = 0; a < points.Count; a++)
        {
            for (int l = 0; l < moduli.Count; l++)
            {
                Modulus m = moduli[l];
                ulong w = lambda[a][l], ws = m.ShoupPrecompute(w);
                ReadOnlySpan<ulong> src = shares[a].AsSpan(l * n, n);
                Span<ulong> dst = secret.AsSpan(l * n, n);
                for (int c = 0; c < n; c++)
                {
                    dst[c] = m.Add(dst[c], m.MultiplyShoup(src[c], w, ws));
                }
            }
        }

        return secret;
    }
}

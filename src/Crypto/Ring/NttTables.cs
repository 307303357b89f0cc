namespace SecAgg.Crypto.Ring;

/// <summary>
/// Precomputed tables for the negacyclic NTT of degree n modulo one NTT-friendly prime p: the powers of a
/// primitive 2n-th root ψ in bit-reversed order with their Shoup companions (forward, Cooley–Tukey), the powers of
/// ψ^−1 in bit-reversed order (inverse, Gentleman–Sande), and n^−1 mod p.
/// </summary>
internal sealed class NttTables
{
    public NttTables(Modulus modulus, int n)
    {
        Modulus = modulus;
        N = n;
        LogN = System.Numerics.BitOperations.Log2((uint)n);
        ulong psi = NttPrimes.FindPrimitive2NthRoot(modulus, n);
        ulong psiInv = modulus.Inverse(psi);
        Psi = psi;
        RootPowers = new ulong[n];
        RootPowersShoup = new ulong[n];
        InvRootPowers = new ulong[n];
        InvRootPowersShoup = new ulong[n];
        ulong power = 1, invPower = 1;
        for (int k = 0; k < n; k++)
        {
            int r = ReverseBits(k, LogN);
            RootPowers[r] = power;
            InvRootPowers[r] = invPower;
            power = modulus.Multiply(power, psi);
            invPower = modulus.Multiply(invPower, psiInv);
        }

        for (int k = 0; k < n; k++)
        {
            RootPowersShoup[k] = modulus.ShoupPrecompute(RootPowers[k]);
            InvRootPowersShoup[k] = modulus.ShoupPrecompute(InvRootPowers[k]);
        }

        if (n >= 16)
        {
            // Twiddles of the three innermost stages (t = 4, 2, 1), laid out per lane for 8-lane vectors: the stage with
            // half-width t uses root m + b for block b (m = n/(2t)); entry k of the expanded table is root m + k/t.
            Forward4 = Expand(RootPowers, n / 8, 4);
            Forward4Shoup = Expand(RootPowersShoup, n / 8, 4);
            Forward2 = Expand(RootPowers, n / 4, 2);
            Forward2Shoup = Expand(RootPowersShoup, n / 4, 2);
            Inverse4 = Expand(InvRootPowers, n / 8, 4);
            Inverse4Shoup = Expand(InvRootPowersShoup, n / 8, 4);
            Inverse2 = Expand(InvRootPowers, n / 4, 2);
            Inverse2Shoup = Expand(InvRootPowersShoup, n / 4, 2);
        }
        else
        {
            Forward4 = Forward4Shoup = Forward2 = Forward2Shoup = [];
            Inverse4 = Inverse4Shoup = Inverse2 = Inverse2Shoup = [];
        }

        InvN = modulus.Inverse((ulong)n);
        InvNShoup = modulus.ShoupPrecompute(InvN);
    }

    public Modulus Modulus { get; }

    public int N { get; }

    public int LogN { get; }

    /// <summary>The primitive 2n-th root of unity ψ the tables are built from.</summary>
    public ulong Psi { get; }

    /// <summary>RootPowers[k] = ψ^bitrev(k).</summary>
    public ulong[] RootPowers { get; }

    public ulong[] RootPowersShoup { get; }

    /// <summary>InvRootPowers[k] = ψ^−bitrev(k).</summary>
    public ulong[] InvRootPowers { get; }

    public ulong[] InvRootPowersShoup { get; }

    public ulong[] Forward4 { get; }

    public ulong[] Forward4Shoup { get; }

    public ulong[] Forward2 { get; }

    public ulong[] Forward2Shoup { get; }

    public ulong[] Inverse4 { get; }

    public ulong[] Inverse4Shoup { get; }

    public ulong[] Inverse2 { get; }

    public ulong[] Inverse2Shoup { get; }

    public ulong InvN { get; }

    public ulong InvNShoup { get; }

    private static ulong[] Expand(ulong[] roots, int m, int t)
    {
        var e = new ulong[m * t];
        for (int k = 0; k < e.Length; k++)
        {
            e[k] = roots[m + (k / t)];
        }

        return e;
    }

    internal static int ReverseBits(int value, int bits)
    {
        int r = 0;
        for (int i = 0; i < bits; i++)
        {
            r = (r << 1) | ((value >> i) & 1);
        }

        return r;
    }
}

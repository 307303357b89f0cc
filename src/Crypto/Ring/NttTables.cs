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

    public ulong InvN { get; }

    public ulong InvNShoup { get; }

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

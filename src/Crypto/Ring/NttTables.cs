namespace SecAgg.Crypto.Ring;

/// <summary>
/// Precomputed tables for the negacyclic NTT of degree n modulo one NTT-friendly prime p: the powers of a
/// primitive 2n-th root ψ in bit-reversed order with their Shoup companions (forward, Cooley–Tukey), the powers of
/// ψ^−1 in bit-reversed order (inverse, Gentleman–Sande), and n^−1 mod p. The inverse tables are built on the first
/// inverse transform: a participant, which only ever transforms forward, never holds them (2·8·n bytes per prime,
/// 6.8 MB at n = 2^15 and 13 primes).
/// </summary>
internal sealed class NttTables
{
    private readonly ulong _psiInv;
    private InverseTables? _inverse;

    public NttTables(Modulus modulus, int n)
    {
        Modulus = modulus;
        N = n;
        LogN = System.Numerics.BitOperations.Log2((uint)n);
        ulong psi = NttPrimes.FindPrimitive2NthRoot(modulus, n);
        _psiInv = modulus.Inverse(psi);
        Psi = psi;
        (RootPowers, RootPowersShoup) = BitReversedPowers(modulus, psi, n, LogN);

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

    /// <summary>InvRootPowers[k] = ψ^−bitrev(k) (built on first use).</summary>
    public ulong[] InvRootPowers => Inverse.Powers;

    public ulong[] InvRootPowersShoup => Inverse.Shoup;

    private InverseTables Inverse => Volatile.Read(ref _inverse) ?? BuildInverse();

    public ulong InvN { get; }

    public ulong InvNShoup { get; }

    private InverseTables BuildInverse()
    {
        (ulong[] powers, ulong[] shoup) = BitReversedPowers(Modulus, _psiInv, N, LogN);
        // Two threads may both build them (identical tables); the first one stored wins.
        return Interlocked.CompareExchange(ref _inverse, new InverseTables(powers, shoup), null) ?? _inverse;
    }

    /// <summary>powers[bitrev(k)] = root^k for k &lt; n, and their Shoup companions.</summary>
    private static (ulong[] Powers, ulong[] Shoup) BitReversedPowers(Modulus modulus, ulong root, int n, int logN)
    {
        var powers = new ulong[n];
        var shoup = new ulong[n];
        ulong power = 1;
        for (int k = 0; k < n; k++)
        {
            powers[ReverseBits(k, logN)] = power;
            power = modulus.Multiply(power, root);
        }

        for (int k = 0; k < n; k++)
        {
            shoup[k] = modulus.ShoupPrecompute(powers[k]);
        }

        return (powers, shoup);
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

    private sealed record InverseTables(ulong[] Powers, ulong[] Shoup);
}

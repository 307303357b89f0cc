namespace SecAgg.Crypto.Bfv;

/// <summary>A BFV plaintext: n coefficients in [0, t) (coefficient encoding: value j is coefficient j).</summary>
public sealed class Plaintext
{
    /// <summary>Allocates the zero plaintext of n coefficients.</summary>
    public Plaintext(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        Coefficients = new ulong[n];
    }

    /// <summary>The coefficients, each in [0, t).</summary>
    public ulong[] Coefficients { get; }

    /// <summary>The number of coefficients n.</summary>
    public int N => Coefficients.Length;
}

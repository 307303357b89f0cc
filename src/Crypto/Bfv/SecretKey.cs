using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// A BFV secret key s, kept in NTT form at every limb, with a bound on ‖s‖∞ (1 for a ternary key). Dispose wipes it.
/// </summary>
public sealed class SecretKey : IDisposable
{
    private readonly Poly _s;
    private readonly Poly _sShoup;
    private bool _disposed;

    /// <summary>Wraps the NTT-form polynomial <paramref name="sNtt"/> (all limbs; taken over, not copied).</summary>
    /// <param name="context">The parameters.</param>
    /// <param name="sNtt">s in NTT form with every limb.</param>
    /// <param name="infinityNormBound">A bound on ‖s‖∞ (1 for ternary; N for the sum of N ternary shares).</param>
    public SecretKey(BfvContext context, Poly sNtt, double infinityNormBound)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.CheckPoly(sNtt, nameof(sNtt));
        if (!sNtt.IsNtt || sNtt.LimbCount != context.MaxLimbCount)
        {
            throw new ArgumentException("The secret must be in NTT form with every limb.", nameof(sNtt));
        }

        Ciphertext.CheckBound(infinityNormBound, nameof(infinityNormBound));
        Context = context;
        _s = sNtt;
        _sShoup = context.Ring.ComputeShoup(sNtt);
        InfinityNormBound = infinityNormBound;
    }

    /// <summary>The parameters.</summary>
    public BfvContext Context { get; }

    /// <summary>The bound on ‖s‖∞.</summary>
    public double InfinityNormBound { get; }

    /// <summary>s in NTT form (all limbs). Do not keep references beyond the key's lifetime.</summary>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    public Poly Poly
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _s;
        }
    }

    internal Poly PolyShoup
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _sShoup;
        }
    }

    /// <summary>Zeroes the key material.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _s.Clear();
            _sShoup.Clear();
        }
    }
}

using SecAgg.Crypto.Ring;

namespace SecAgg.Crypto.Ckks;

/// <summary>A single-party CKKS secret key s (ternary), in NTT form at every limb. Dispose wipes it.</summary>
public sealed class CkksSecretKey : IDisposable
{
    private readonly Poly _s;
    private bool _disposed;

    internal CkksSecretKey(CkksParameters parameters, Poly sNtt)
    {
        Parameters = parameters;
        _s = sNtt;
    }

    /// <summary>The parameters.</summary>
    public CkksParameters Parameters { get; }

    internal Poly Poly
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _s;
        }
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _s.Clear();
        }
    }
}

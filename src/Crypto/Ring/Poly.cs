namespace SecAgg.Crypto.Ring;

/// <summary>
/// A polynomial of Z_q[X]/(X^n + 1) in RNS form: one row of n residues per prime ("limb"), stored contiguously
/// (limb i occupies [i·n, (i+1)·n)). <see cref="IsNtt"/> records whether the rows hold coefficients or NTT
/// evaluations; ring operations check it.
/// </summary>
public sealed class Poly
{
    private readonly ulong[] _data;

    /// <summary>Allocates the zero polynomial of degree bound <paramref name="n"/> with <paramref name="limbCount"/> limbs.</summary>
    public Poly(int n, int limbCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limbCount);
        N = n;
        LimbCount = limbCount;
        _data = new ulong[checked(n * limbCount)];
    }

    /// <summary>The ring degree n.</summary>
    public int N { get; }

    /// <summary>How many RNS limbs (primes) the polynomial has.</summary>
    public int LimbCount { get; }

    /// <summary>True when the limbs hold NTT evaluations, false when they hold coefficients.</summary>
    public bool IsNtt { get; set; }

    /// <summary>All residues, limb after limb.</summary>
    public Span<ulong> Coefficients => _data;

    internal ulong[] Data => _data;

    /// <summary>The n residues of limb <paramref name="limb"/>.</summary>
    public Span<ulong> Limb(int limb)
    {
        if ((uint)limb >= (uint)LimbCount)
        {
            ThrowLimb(limb);
        }

        return _data.AsSpan(limb * N, N);
    }

    /// <summary>A deep copy.</summary>
    public Poly Clone()
    {
        var copy = new Poly(N, LimbCount) { IsNtt = IsNtt };
        _data.CopyTo(copy._data, 0);
        return copy;
    }

    /// <summary>A deep copy of the first <paramref name="limbCount"/> limbs.</summary>
    public Poly CloneLimbs(int limbCount)
    {
        if (limbCount < 1 || limbCount > LimbCount)
        {
            throw new ArgumentOutOfRangeException(nameof(limbCount), limbCount, $"Must be in [1, {LimbCount}].");
        }

        var copy = new Poly(N, limbCount) { IsNtt = IsNtt };
        Array.Copy(_data, copy._data, limbCount * N);
        return copy;
    }

    /// <summary>Copies this polynomial into <paramref name="destination"/> (same shape).</summary>
    public void CopyTo(Poly destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.N != N || destination.LimbCount != LimbCount)
        {
            throw new ArgumentException("The destination has a different shape.", nameof(destination));
        }

        _data.CopyTo(destination._data, 0);
        destination.IsNtt = IsNtt;
    }

    /// <summary>Sets every residue to zero (also used to wipe secrets).</summary>
    public void Clear() => System.Security.Cryptography.CryptographicOperations.ZeroMemory(
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(_data.AsSpan()));

    /// <summary>True when both have the same shape, domain and residues.</summary>
    public bool ValueEquals(Poly other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.N == N && other.LimbCount == LimbCount && other.IsNtt == IsNtt
            && _data.AsSpan().SequenceEqual(other._data);
    }

    private void ThrowLimb(int limb) =>
        throw new ArgumentOutOfRangeException(nameof(limb), limb, $"The polynomial has {LimbCount} limbs.");
}

namespace SecAgg.Crypto.Bfv;

/// <summary>
/// The user-written BFV parameter literal (SEAL's name): ring degree n, the coefficient modulus primes and the
/// plaintext modulus t. Unchecked; <see cref="BfvContext"/> validates it. See <see cref="BfvPresets"/> for named sets.
/// </summary>
public sealed record EncryptionParameters
{
    /// <summary>The ring degree n (a power of two; 2048 … 32768 for secure parameters).</summary>
    public int PolyModulusDegree { get; init; }

    /// <summary>The coefficient modulus q as a list of distinct NTT-friendly primes (p ≡ 1 mod 2n, below 2^61),
    /// in limb order; modulus switching drops them from the end. See <see cref="CoeffModulus.Create"/>.</summary>
    public IReadOnlyList<ulong> CoeffModulus { get; init; } = [];

    /// <summary>The plaintext modulus t ≥ 2 (any integer below every prime, powers of two included).</summary>
    public ulong PlainModulus { get; init; }

    /// <inheritdoc />
    public bool Equals(EncryptionParameters? other) =>
        other is not null && other.PolyModulusDegree == PolyModulusDegree && other.PlainModulus == PlainModulus
        && other.CoeffModulus.SequenceEqual(CoeffModulus);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(PolyModulusDegree);
        h.Add(PlainModulus);
        foreach (ulong p in CoeffModulus)
        {
            h.Add(p);
        }

        return h.ToHashCode();
    }
}

/// <summary>Helpers to choose the coefficient modulus (SEAL's names).</summary>
public static class CoeffModulus
{
    /// <summary>
    /// Deterministically creates NTT-friendly primes with the given bit sizes for degree n: for each distinct size,
    /// the largest primes below 2^size congruent to 1 mod 2n, assigned in the order the sizes are listed.
    /// </summary>
    public static ulong[] Create(int polyModulusDegree, params int[] bitSizes)
    {
        ArgumentNullException.ThrowIfNull(bitSizes);
        if (bitSizes.Length == 0)
        {
            throw new ArgumentException("At least one prime size is required.", nameof(bitSizes));
        }

        var bySize = new Dictionary<int, Queue<ulong>>();
        foreach (var group in bitSizes.GroupBy(b => b))
        {
            bySize[group.Key] = new Queue<ulong>(Ring.NttPrimes.Generate(group.Key, polyModulusDegree, group.Count()));
        }

        return bitSizes.Select(b => bySize[b].Dequeue()).ToArray();
    }

    /// <summary>
    /// The largest total bit count of q that the HomomorphicEncryption.org standard allows for 128-bit classical
    /// security with a ternary secret (the table of SEAL's util/hestdparms.h and OpenFHE): n = 1024: 27, 2048: 54,
    /// 4096: 109, 8192: 218, 16384: 438, 32768: 881. Returns 0 for other degrees.
    /// </summary>
    public static int MaxBitCount(int polyModulusDegree) => polyModulusDegree switch
    {
        1024 => 27,
        2048 => 54,
        4096 => 109,
        8192 => 218,
        16384 => 438,
        32768 => 881,
        _ => 0,
    };
}

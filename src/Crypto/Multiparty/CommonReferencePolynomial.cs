using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Crypto.Multiparty.Internal;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// The common reference polynomial a, uniform in R_Q, expanded from a public 32-byte seed with
/// AES-256-CTR keyed by HMAC-SHA256(seed, "SecAgg.Multiparty.CRS.v1") and rejection sampling per limb.
/// Every party that expands the same seed under the same parameters gets the same a (kept in NTT form;
/// a uniform polynomial is uniform in either form).
/// </summary>
public sealed class CommonReferencePolynomial
{
    /// <summary>Seed length in bytes.</summary>
    public const int SeedBytes = 32;

    private CommonReferencePolynomial(MultipartyParameters parameters, byte[] seed, Poly a)
    {
        Parameters = parameters;
        Seed = seed;
        A = a;
    }

    /// <summary>The parameters.</summary>
    public MultipartyParameters Parameters { get; }

    /// <summary>The public seed.</summary>
    public ReadOnlyMemory<byte> Seed { get; }

    internal Poly A { get; }

    /// <summary>Expands <paramref name="seed"/> (exactly 32 bytes) into a.</summary>
    public static CommonReferencePolynomial Expand(MultipartyParameters parameters, ReadOnlySpan<byte> seed)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (seed.Length != SeedBytes)
        {
            throw new ArgumentException($"The CRS seed must be {SeedBytes} bytes, got {seed.Length}.", nameof(seed));
        }

        using Prng prng = Prng.FromSeed(seed, "SecAgg.Multiparty.CRS.v1");
        Poly a = parameters.KeyRing.NewPoly();
        UniformSampler.Sample(prng, parameters.KeyRing, a);
        return new CommonReferencePolynomial(parameters, seed.ToArray(), a);
    }

    /// <summary>A fresh random public seed (the aggregator publishes it).</summary>
    public static byte[] NewSeed() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(SeedBytes);
}

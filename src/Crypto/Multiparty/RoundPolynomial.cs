using System.Globalization;
using SecAgg.Crypto.Multiparty.Internal;
using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Multiparty;

/// <summary>
/// The public round polynomial a_{r,k} of chunk k of round r (docs/threat-model.md, "Round polynomials"): uniform in
/// R_q, derived from the epoch seed so that nobody chooses it, in NTT form. Every party that expands the same
/// (epoch seed, round, chunk) under the same parameters gets the same a.
/// <para>
/// Expansion: the stream <see cref="Prng.FromSeed(ReadOnlySpan{byte}, string)"/>(epoch seed, label) with label
/// "secagg/v2/round-poly/&lt;round&gt;/&lt;chunk&gt;" (decimal, so labels of different (round, chunk) differ, and the
/// "secagg/v2/" prefix separates it from every other use of the seed), i.e. AES-256-CTR keyed by
/// HMAC-SHA256(seed, label); then for limb l = 0, 1, … and j = 0 … n−1 the first 8-byte little-endian word w with
/// w mod 2^bits(q_l) &lt; q_l (<see cref="UniformSampler.Sample"/>). The values are taken as NTT evaluations.
/// </para>
/// <para>
/// Its buffer comes from a pool of the member's per-round polynomials: <see cref="Dispose"/> gives it back (the object
/// refuses use afterwards); not disposing is fine (the collector takes it).
/// </para>
/// </summary>
public sealed class RoundPolynomial : IDisposable
{
    /// <summary>Length of an epoch seed in bytes.</summary>
    public const int SeedBytes = 32;

    /// <summary>The domain label prefix.</summary>
    public const string Label = "secagg/v2/round-poly";

    private Poly? _a;

    private RoundPolynomial(AggregationParameters parameters, ulong round, int chunk, Poly a)
    {
        Parameters = parameters;
        Round = round;
        Chunk = chunk;
        _a = a;
    }

    /// <summary>The parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>The round r.</summary>
    public ulong Round { get; }

    /// <summary>The chunk k.</summary>
    public int Chunk { get; }

    /// <summary>a_{r,k} in NTT form (never modify it).</summary>
    internal Poly A => _a ?? throw new ObjectDisposedException(nameof(RoundPolynomial));

    /// <summary>Gives the buffer back for reuse; the polynomial cannot be used afterwards.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _a, null) is { } a)
        {
            PolyPool.Return(a);
        }
    }

    /// <summary>Expands a_{r,k} from the 32-byte epoch seed.</summary>
    /// <exception cref="ArgumentException">The seed is not 32 bytes or the chunk is negative.</exception>
    public static RoundPolynomial Expand(AggregationParameters parameters, ReadOnlySpan<byte> epochSeed, ulong round, int chunk)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (epochSeed.Length != SeedBytes)
        {
            throw new ArgumentException($"The epoch seed must be {SeedBytes} bytes, got {epochSeed.Length}.", nameof(epochSeed));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(chunk);
        using Prng prng = Prng.FromSeed(epochSeed, string.Create(CultureInfo.InvariantCulture, $"{Label}/{round}/{chunk}"));
        Poly a = PolyPool.Rent(parameters.Ring);
        UniformSampler.Sample(prng, parameters.Ring, a);
        return new RoundPolynomial(parameters, round, chunk, a);
    }
}

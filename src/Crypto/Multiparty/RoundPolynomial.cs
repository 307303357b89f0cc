using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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
/// Nothing is expanded up front: the object keeps the stream's 32-byte AES key (HMAC-SHA256 of the seed: it gives a_{r,k}
/// and nothing about the seed), and its users read a limb at a time (<see cref="OpenLimbs"/>) into an n-word row: the
/// masked encryption's c0 −= a ⊙ ŝ and a decryption share's a ⊙ K_j never hold the whole a (issue 17: 8·n bytes instead
/// of 8·n·L, 3.4 MB at n = 2^15 and 13 primes). <see cref="Dispose"/> wipes the key; the object refuses use afterwards.
/// </para>
/// </summary>
public sealed class RoundPolynomial : IDisposable
{
    /// <summary>Length of an epoch seed in bytes.</summary>
    public const int SeedBytes = 32;

    /// <summary>The domain label prefix.</summary>
    public const string Label = "secagg/v2/round-poly";

    private readonly byte[] _streamKey;
    private volatile bool _disposed;

    private RoundPolynomial(AggregationParameters parameters, ulong round, int chunk, byte[] streamKey)
    {
        Parameters = parameters;
        Round = round;
        Chunk = chunk;
        _streamKey = streamKey;
    }

    /// <summary>The parameters.</summary>
    public AggregationParameters Parameters { get; }

    /// <summary>The round r.</summary>
    public ulong Round { get; }

    /// <summary>The chunk k.</summary>
    public int Chunk { get; }

    /// <summary>Reads a_{r,k} limb by limb, in order (<see cref="UniformSampler.Sample"/>'s polynomial, a limb at a time).</summary>
    internal LimbReader OpenLimbs()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new(Parameters, Prng.FromSeed(_streamKey));
    }

    /// <summary>Wipes the expansion key; the polynomial cannot be used afterwards.</summary>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_streamKey);
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
        byte[] label = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Label}/{round}/{chunk}"));
        return new RoundPolynomial(parameters, round, chunk, HMACSHA256.HashData(epochSeed, label));
    }

    /// <summary>
    /// The limbs of a_{r,k} in order: <see cref="Next"/> writes limb 0, then 1, … into the caller's row, the next n
    /// residues of the expansion stream. Dispose it (the stream).
    /// </summary>
    internal sealed class LimbReader : IDisposable
    {
        private readonly AggregationParameters _parameters;
        private readonly Prng _stream;
        private int _next;

        internal LimbReader(AggregationParameters parameters, Prng stream)
        {
            _parameters = parameters;
            _stream = stream;
        }

        /// <summary>Writes the next limb into the first n words of <paramref name="row"/>.</summary>
        /// <exception cref="InvalidOperationException">Every limb was read.</exception>
        public void Next(Span<ulong> row)
        {
            if (_next == _parameters.Ring.MaxLimbCount)
            {
                throw new InvalidOperationException($"a_{{r,k}} has {_parameters.Ring.MaxLimbCount} limbs; all were read.");
            }

            UniformSampler.SampleLimb(_stream, _parameters.Ring.Moduli[_next++], row[.._parameters.RingDegree]);
        }

        /// <summary>Wipes the stream's key.</summary>
        public void Dispose() => _stream.Dispose();
    }
}

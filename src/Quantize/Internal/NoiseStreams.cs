using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Quantize.Internal;

/// <summary>
/// The noise streams of one parallel encoding: chunk c of <c>chunk</c> coordinates draws its noise from the c-th
/// <see cref="Prng.Fork"/> of the secret stream, all forked up front and in order, so the output does not depend on
/// which core takes which chunk, nor on the order in which the chunks are noised. Sequential encoding (one core) forks
/// nothing and draws from the secret stream itself. Disposing wipes every fork.
/// </summary>
internal sealed class NoiseStreams : IDisposable
{
    /// <summary>No forks: noise from the secret stream itself (shared; nothing to dispose, nothing allocated per call).</summary>
    private static readonly NoiseStreams Sequential = new([]);

    private readonly Prng[] _forks;

    private NoiseStreams(Prng[] forks) => _forks = forks;

    /// <summary>Whether the noise is drawn chunk by chunk from forked streams (more than one core).</summary>
    public bool Parallel => _forks.Length > 0;

    /// <summary>Forks one stream per chunk of <paramref name="chunk"/> among <paramref name="length"/> coordinates
    /// when <paramref name="degreeOfParallelism"/> is not 1; none otherwise.</summary>
    public static NoiseStreams Fork(Prng random, int length, int chunk, int degreeOfParallelism)
    {
        if (degreeOfParallelism == 1)
        {
            return Sequential;
        }

        var forks = new Prng[(length + chunk - 1) / chunk];
        for (int c = 0; c < forks.Length; c++)
        {
            forks[c] = random.Fork();
        }

        return new NoiseStreams(forks);
    }

    /// <summary>The stream of chunk <paramref name="chunk"/> (each chunk's stream is used once).</summary>
    public Prng Take(int chunk) => _forks[chunk];

    public void Dispose()
    {
        foreach (Prng fork in _forks)
        {
            fork.Dispose();
        }
    }
}

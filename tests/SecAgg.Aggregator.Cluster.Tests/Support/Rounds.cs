using SecAgg.Protocol;
using SecAgg.Protocol.Tests.V2;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>Plaintext updates and the checks on what the cluster's aggregate decrypts to.</summary>
internal static class Rounds
{
    /// <summary>One update per site, values in ±0.02 (test data from a seeded generator, not secret).</summary>
    public static float[][] Updates(int count, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, InProcessRound.Dimension).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.04)).ToArray())];
    }

    /// <summary>
    /// The cluster's aggregate is byte for byte the single-process fold of the same uploads (each exactly once), and it
    /// decrypts to the plaintext mean within the DDG bound 6·γ·√(k(σ² + 1/4))/k.
    /// </summary>
    public static void AssertSumOfExactly(InProcessRound r, RoundParameters round, (InProcessRound.Site Site, EncryptedUpload Upload)[] uploads, float[][] updates, byte[][] aggregate, uint[][] values)
    {
        byte[][] reference = r.Fold(round, uploads.Select(u => u.Upload));
        Assert.Equal(reference.Length, aggregate.Length);
        for (int k = 0; k < reference.Length; k++)
        {
            Assert.True(reference[k].AsSpan().SequenceEqual(aggregate[k]), $"chunk {k}'s sum differs from the single-process fold of the {uploads.Length} uploads");
        }

        float[] mean = new AggregateDecoder(round).DecodeMean(values, uploads.Length);
        DdgParameters ddg = round.Ddg;
        double bound = 6 * ddg.Gamma * Math.Sqrt(uploads.Length * (ddg.NoiseVariance + 0.25)) / uploads.Length;
        double error = Enumerable.Range(0, mean.Length).Max(j => Math.Abs(mean[j] - updates.Average(u => (double)u[j])));
        Assert.True(error <= bound, $"max error {error} exceeds the DDG bound {bound}");
    }
}

using SecAgg.Aggregator.Cluster.Grains;
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
        AssertWithinBound(round, updates, mean);
    }

    /// <summary>
    /// The cluster's published model is the initial model plus the mean the values decode to (float for float, decoded
    /// here), and differs from the initial model by the plaintext mean within the DDG bound.
    /// </summary>
    public static void AssertPublished(RoundParameters round, float[] initial, float[][] updates, uint[][] values, PublishedModel model)
    {
        float[] mean = new AggregateDecoder(round).DecodeMean(values, updates.Length);
        Assert.Equal(initial.Length, model.Values.Length);
        for (int j = 0; j < initial.Length; j++)
        {
            Assert.True(initial[j] + mean[j] == model.Values[j], $"value {j} of the published model is {model.Values[j]}, not initial {initial[j]} + mean {mean[j]}");
        }

        AssertWithinBound(round, updates, [.. model.Values.Select((v, j) => v - initial[j])]);
    }

    /// <summary>|mean_j − plaintext mean_j| ≤ 6·γ·√(k(σ² + 1/4))/k for every j (k updates).</summary>
    private static void AssertWithinBound(RoundParameters round, float[][] updates, float[] mean)
    {
        DdgParameters ddg = round.Ddg;
        // The model's float rounding (|model| < 1: ulp ≤ 2^-24) is far below the bound.
        double bound = 6 * ddg.Gamma * Math.Sqrt(updates.Length * (ddg.NoiseVariance + 0.25)) / updates.Length + 1e-6;
        double error = Enumerable.Range(0, mean.Length).Max(j => Math.Abs(mean[j] - updates.Average(u => (double)u[j])));
        Assert.True(error <= bound, $"max error {error} exceeds the DDG bound {bound}");
    }
}

namespace SecAgg.Crypto.Tests.Multiparty.Aggregation;

/// <summary>What the hostile tests assert about a decryption that must not be the target.</summary>
internal static class AggregationStatistics
{
    /// <summary>Fraction of positions where <paramref name="actual"/> differs from <paramref name="target"/>.</summary>
    public static double MismatchFraction(uint[] actual, uint[] target) =>
        (double)actual.Zip(target).Count(p => p.First != p.Second) / actual.Length;

    /// <summary>χ² statistic of the top 4 bits of b-bit values against uniform (16 bins, 15 degrees of freedom).</summary>
    public static double ChiSquaredTopBits(uint[] values, int valueBits)
    {
        var bins = new int[16];
        foreach (uint v in values)
        {
            bins[(int)(v >> (valueBits - 4)) & 15]++;
        }

        double expected = values.Length / 16.0;
        return bins.Sum(c => (c - expected) * (c - expected) / expected);
    }

    /// <summary>The 0.999 quantile of χ² with 15 degrees of freedom: uniform values exceed it with probability 0.001.</summary>
    public const double ChiSquared15At0999 = 37.7;

    /// <summary>Asserts a decryption looks uniform and is not the target in at least 99% of positions.</summary>
    public static void AssertGarbage(uint[] actual, uint[] target, int valueBits)
    {
        double mismatch = MismatchFraction(actual, target);
        Assert.True(mismatch >= 0.99, $"Only {mismatch:P1} of the values differ from the target plaintext.");
        double chi = ChiSquaredTopBits(actual, valueBits);
        Assert.True(chi < ChiSquared15At0999, $"χ² = {chi:F1}: the decryption is not uniform-looking.");
    }
}

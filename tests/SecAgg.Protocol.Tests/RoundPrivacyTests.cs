using SecAgg.Quantize.Ddg;

namespace SecAgg.Protocol.Tests;

/// <summary>Published rounds are charged for the k − c honest summands only.</summary>
public sealed class RoundPrivacyTests
{
    private static readonly DdgParameters Ddg = new DdgSettings(16, 1.0, 1.0).Create(10, 1000);

    [Fact]
    public void MoreColludersSpendMoreEpsilon()
    {
        double none = RoundPrivacy.ComposedEpsilon(Ddg, [10, 8], colluders: 0, 1e-6);
        double two = RoundPrivacy.ComposedEpsilon(Ddg, [10, 8], colluders: 2, 1e-6);
        double seven = RoundPrivacy.ComposedEpsilon(Ddg, [10, 8], colluders: 7, 1e-6);
        Assert.True(none < two && two < seven, $"{none} < {two} < {seven} expected");
    }

    [Fact]
    public void ColludersCostWhatTheSameHonestCountCostsWithoutThem()
    {
        Assert.Equal(RoundPrivacy.ComposedEpsilon(Ddg, [7, 5], colluders: 0, 1e-6), RoundPrivacy.ComposedEpsilon(Ddg, [10, 8], colluders: 3, 1e-6));
    }

    [Fact]
    public void RoundsWithoutAnHonestSummandOrNegativeColludersAreRefused()
    {
        var none = Assert.Throws<ArgumentOutOfRangeException>(() => RoundPrivacy.ComposedEpsilon(Ddg, [10, 3], colluders: 3, 1e-6));
        Assert.Contains("k = 3", none.Message);
        Assert.Contains("c = 3", none.Message);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => RoundPrivacy.ComposedEpsilon(Ddg, [], colluders: -1, 1e-6));
        Assert.Contains("c = -1", negative.Message);
        Assert.Equal(0, RoundPrivacy.ComposedEpsilon(Ddg, [], colluders: 2, 1e-6));
    }
}

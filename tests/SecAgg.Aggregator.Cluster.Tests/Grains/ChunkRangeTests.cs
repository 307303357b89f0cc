using SecAgg.Aggregator.Cluster.Grains;

namespace SecAgg.Aggregator.Cluster.Tests.Grains;

public sealed class ChunkRangeTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 4)]
    [InlineData(7, 3)]
    [InlineData(10, 10)]
    [InlineData(1000, 7)]
    [InlineData(191, 16)]
    public void SplittingCoversEveryChunkOnceInRangesDifferingByAtMostOne(int chunks, int partitions)
    {
        ChunkRange[] ranges = ChunkRange.Split(chunks, partitions);

        Assert.Equal(Math.Min(chunks, partitions), ranges.Length);
        Assert.Equal(0, ranges[0].Start);
        Assert.Equal(chunks, ranges[^1].End);
        Assert.All(ranges.Zip(ranges.Skip(1)), p => Assert.Equal(p.First.End, p.Second.Start));
        Assert.InRange(ranges.Max(r => r.Count) - ranges.Min(r => r.Count), 0, 1);
        Assert.All(ranges, r => Assert.True(r.Count >= 1));
    }

    [Fact]
    public void APartitionKeyNamesItsRoundAndRangeAndParsesBack()
    {
        var range = new ChunkRange(12, 24);

        Assert.Equal("7/12-24", range.Key(7));
        Assert.Equal((7L, range), ChunkRange.ParseKey(range.Key(7)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("7")]
    [InlineData("7/12")]
    [InlineData("7/24-12")]
    [InlineData("x/1-2")]
    [InlineData("7/-1-2")]
    public void AKeyThatIsNotRoundSlashRangeIsRefused(string key)
    {
        FormatException e = Assert.Throws<FormatException>(() => ChunkRange.ParseKey(key));
        Assert.Contains("ROUND/START-END", e.Message, StringComparison.Ordinal);
    }
}

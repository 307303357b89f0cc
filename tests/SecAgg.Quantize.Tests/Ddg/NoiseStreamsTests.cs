using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Internal;

namespace SecAgg.Quantize.Tests.Ddg;

public sealed class NoiseStreamsTests
{
    [Fact]
    public void ChunkStreamsAreThePrngForksInOrderWhicheverIsOpenedFirst()
    {
        const int Chunks = 5;
        var expected = new ulong[Chunks][];
        using (Prng parent = TestRandom.Rng(90))
        {
            for (int c = 0; c < Chunks; c++)
            {
                using Prng fork = parent.Fork();
                expected[c] = [fork.NextUInt64(), fork.NextUInt64(), fork.NextUInt64()];
            }
        }

        using Prng random = TestRandom.Rng(90);
        using NoiseStreams streams = NoiseStreams.Fork(random, (Chunks * 100) - 7, 100, degreeOfParallelism: 2);
        Assert.True(streams.Parallel);
        foreach (int c in new[] { 3, 0, 4, 1, 2 })
        {
            using Prng stream = streams.Take(c);
            ulong[] drawn = [stream.NextUInt64(), stream.NextUInt64(), stream.NextUInt64()];
            Assert.Equal(expected[c], drawn);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => streams.Take(Chunks));
        streams.Dispose();
        streams.Dispose(); // once: the keys' array goes back to the pool a single time
        Assert.Throws<ObjectDisposedException>(() => streams.Take(0));
    }

    [Fact]
    public void OneCoreForksNothing()
    {
        using Prng random = TestRandom.Rng(91);
        using Prng same = TestRandom.Rng(91);
        using NoiseStreams streams = NoiseStreams.Fork(random, 1000, 100, degreeOfParallelism: 1);
        Assert.False(streams.Parallel);
        Assert.Equal(same.NextUInt64(), random.NextUInt64()); // nothing was drawn from the secret stream
    }
}

using SecAgg.Crypto.Ring;
using SecAgg.Crypto.Ring.Internal;
using SecAgg.Crypto.Ring.Sampling;

namespace SecAgg.Crypto.Tests.Ring;

/// <summary>The limb scheduler under RingQ and the process/flow limits that choose its degree.</summary>
public sealed class LimbSchedulerTests
{
    [Fact]
    public void EveryIndexRunsExactlyOnce()
    {
        var hits = new int[1000];
        for (int round = 0; round < 20; round++)
        {
            LimbScheduler.For(hits.Length, 4, hits, static (h, i) => Interlocked.Increment(ref h[i]));
        }

        Assert.All(hits, h => Assert.Equal(20, h));
    }

    [Fact]
    public void AHelperThreadTakesLimbsWhileTheCallerIsBusy()
    {
        var state = new Rendezvous();
        LimbScheduler.For(2, 2, state, static (s, i) =>
        {
            s.Threads[i] = Environment.CurrentManagedThreadId;
            if (i == 0)
            {
                // The caller claims index 0 first and only returns once another thread has run index 1.
                s.SecondDone.Wait(TimeSpan.FromSeconds(60));
            }
            else
            {
                s.SecondDone.Set();
            }
        });

        Assert.True(state.SecondDone.IsSet);
        Assert.NotEqual(state.Threads[0], state.Threads[1]);
    }

    [Fact]
    public void AnExceptionInALimbReachesTheCallerAfterTheOtherLimbsRan()
    {
        var hits = new int[8];
        var error = Assert.Throws<InvalidOperationException>(() => LimbScheduler.For(hits.Length, 3, hits, static (h, i) =>
        {
            Interlocked.Increment(ref h[i]);
            if (i == 5)
            {
                throw new InvalidOperationException("limb 5 failed");
            }
        }));

        Assert.Equal("limb 5 failed", error.Message);
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void AParallelRingOperationAllocatesNothingOnTheCallerInSteadyState()
    {
        const int n = 4096;
        var ring = new RingQ(n, NttPrimes.Generate(50, n, 4), SimdMode.Auto, pinnedDegree: 2);
        using Prng prng = Prng.ForTesting(41);
        Poly a = TestUtil.RandomPoly(ring, 4, prng);
        Poly b = TestUtil.RandomPoly(ring, 4, prng);
        for (int i = 0; i < 50; i++)
        {
            Operations(ring, a, b);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            Operations(ring, a, b);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 200, $"{allocated} bytes allocated by 800 parallel ring operations");
    }

    [Fact]
    public void SmallPolynomialsStayOnOneThread()
    {
        Assert.Equal(1, RingParallelism.DegreeFor(13, RingQ.ElementwiseMinResidues - 1, RingQ.ElementwiseMinResidues));
        Assert.Equal(1, RingParallelism.DegreeFor(1, 1L << 30, RingQ.NttMinResidues));
    }

    [Fact]
    public void TheDegreeNeverExceedsTheLimbsOrTheProcessLimit()
    {
        int max = RingParallelism.MaxDegreeOfParallelism;
        Assert.Equal(Math.Min(13, max), RingParallelism.DegreeFor(13, 1L << 30, RingQ.NttMinResidues));
        Assert.Equal(Math.Min(2, max), RingParallelism.DegreeFor(2, 1L << 30, RingQ.NttMinResidues));
    }

    [Fact]
    public async Task ALimitScopeCapsTheDegreeFlowsIntoTasksAndIsRestored()
    {
        int unlimited = RingParallelism.DegreeFor(64, 1L << 30, 0);
        using (RingParallelism.Limit(3))
        {
            Assert.Equal(Math.Min(3, unlimited), RingParallelism.DegreeFor(64, 1L << 30, 0));
            using (RingParallelism.Limit(8))
            {
                Assert.Equal(Math.Min(3, unlimited), RingParallelism.DegreeFor(64, 1L << 30, 0));
            }

            using (RingParallelism.Limit(1))
            {
                Assert.Equal(1, await Task.Run(() => RingParallelism.DegreeFor(64, 1L << 30, 0)));
                var seen = new int[4];
                Parallel.For(0, seen.Length, i => seen[i] = RingParallelism.DegreeFor(64, 1L << 30, 0));
                Assert.All(seen, d => Assert.Equal(1, d));
            }

            Assert.Equal(Math.Min(3, unlimited), RingParallelism.DegreeFor(64, 1L << 30, 0));
        }

        Assert.Equal(unlimited, RingParallelism.DegreeFor(64, 1L << 30, 0));
    }

    [Fact]
    public void DegreesBelowOneAreRejectedWithAClearMessage()
    {
        var limit = Assert.Throws<ArgumentOutOfRangeException>(() => RingParallelism.Limit(0));
        Assert.Contains("at least 1", limit.Message, StringComparison.Ordinal);
        var max = Assert.Throws<ArgumentOutOfRangeException>(() => RingParallelism.MaxDegreeOfParallelism = 0);
        Assert.Contains("at least 1", max.Message, StringComparison.Ordinal);
        Assert.True(RingParallelism.MaxDegreeOfParallelism >= 1);
    }

    private static void Operations(RingQ ring, Poly a, Poly b)
    {
        ring.Add(a, b, b);
        ring.Ntt(a, a);
        ring.InverseNtt(a, a);
        ring.Subtract(b, a, b);
    }

    private sealed class Rendezvous
    {
        public int[] Threads { get; } = new int[2];

        public ManualResetEventSlim SecondDone { get; } = new(false);
    }
}

using SecAgg.Crypto.Ring.Sampling;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Quantize.Tests.Ddg;

/// <summary>
/// The participant's streaming encoding (<see cref="DdgEncoder.Encode(ReadOnlySpan{float}, double, ReadOnlySpan{byte}, Prng, Span{uint}, DdgPieceHandler)"/>):
/// the coefficients come through a caller's piece buffer, in order, and for the same randomness they are exactly those of
/// the whole-vector encoding, whatever the piece length against the segments, on one core or many; the buffer is wiped
/// when the call returns, also when the consumer fails.
/// </summary>
[Collection("Fwht switch")]
public sealed class DdgPieceEncodingTests
{
    private static readonly byte[] Seed = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 5 + 3))];

    /// <summary>d = 200,000: blocks of 8192, 204,800 padded (segments of 2^16 when segmented).</summary>
    private static readonly DdgParameters P = DdgParameters.Create(new DdgParameterLiteral
    {
        Bits = 16, ExpectedParticipants = 5, Dimension = 200_000, ClipNorm = 1, NoiseMultiplier = 0.7,
    });

    private static float[] Update(byte seed)
    {
        using Prng rng = TestRandom.Rng(seed);
        var x = new float[P.Dimension];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(((rng.NextUInt32() / 4294967296.0) - 0.5) * 0.02);
        }

        return x;
    }

    [Theory]
    [InlineData(1024, 1, 65_536)]      // segmented, pieces = segments
    [InlineData(1024, 2, 100_003)]     // segmented, pieces straddle segments, parallel noise
    [InlineData(1024, 1, 7)]           // many pieces per segment
    [InlineData(int.MaxValue, 2, 204_800)] // one buffer, one piece
    [InlineData(int.MaxValue, 1, 50_000)]  // one buffer, several pieces, the last one short
    public void PiecesAreTheWholeEncodingsCoefficientsInOrder(int segmentLimit, int degreeOfParallelism, int pieceLength)
    {
        float[] x = Update(11);
        var encoder = new DdgEncoder(P) { DegreeOfParallelism = degreeOfParallelism, SegmentLimit = segmentLimit };
        var expected = new uint[P.PaddedDimension];
        DdgEncodeReport wholeReport;
        using (Prng r = TestRandom.Rng(12))
        {
            wholeReport = encoder.Encode(x, 0.8, Seed, r, expected);
        }

        var got = new uint[P.PaddedDimension];
        var piece = new uint[pieceLength];
        int next = 0, pieces = 0;
        DdgEncodeReport pieceReport;
        using (Prng r = TestRandom.Rng(12))
        {
            pieceReport = encoder.Encode(x, 0.8, Seed, r, piece, (start, coefficients) =>
            {
                Assert.Equal(next, start);
                Assert.True(coefficients.Length == pieceLength || start + coefficients.Length == P.PaddedDimension, $"piece at {start} has {coefficients.Length} coefficients");
                coefficients.CopyTo(got.AsSpan(start));
                next = start + coefficients.Length;
                pieces++;
            });
        }

        Assert.Equal(P.PaddedDimension, next);
        Assert.Equal((P.PaddedDimension + pieceLength - 1) / pieceLength, pieces);
        Assert.Equal(wholeReport, pieceReport);
        Assert.True(expected.AsSpan().SequenceEqual(got), "the pieces differ from the whole encoding");
        Assert.All(piece, v => Assert.Equal(0u, v));
    }

    [Fact]
    public void APieceConsumerThatFailsStopsTheEncodingAndLeavesThePieceBufferWiped()
    {
        var encoder = new DdgEncoder(P) { SegmentLimit = 1024 };
        var piece = new uint[70_000];
        int calls = 0;
        using Prng r = TestRandom.Rng(13);
        var e = Assert.Throws<IOException>(() => encoder.Encode(Update(14), 1.0, Seed, r, piece, (_, _) =>
        {
            if (++calls == 2)
            {
                throw new IOException("disk full");
            }
        }));
        Assert.Equal("disk full", e.Message);
        Assert.Equal(2, calls);
        Assert.All(piece, v => Assert.Equal(0u, v));
    }

    [Fact]
    public void APieceBufferLongerThanThePaddedVectorIsRefused()
    {
        var encoder = new DdgEncoder(P);
        using Prng r = TestRandom.Rng(15);
        var e = Assert.Throws<ArgumentException>(() => encoder.Encode(Update(16), 1.0, Seed, r, new uint[P.PaddedDimension + 1], (_, _) => { }));
        Assert.Contains($"1 to PaddedDimension = {P.PaddedDimension}", e.Message, StringComparison.Ordinal);
    }
}

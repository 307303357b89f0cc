using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Service;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Tests.Accumulation;

public sealed class SchemeChunkAdderTests
{
    private static readonly AggregationParameters P = AggregationParameters.CreateInsecureForTests(4, 3, maxColluders: 2);

    /// <summary>Four parties' uploads of one chunk (fixed values; the keys are fresh, both paths see the same bytes).</summary>
    private static byte[][] Uploads()
    {
        byte[] seed = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
        RoundPolynomial a = RoundPolynomial.Expand(P, seed, 1, 0);
        var rng = new Random(11);
        return [.. Enumerable.Range(1, 4).Select(i =>
        {
            uint[] values = [.. Enumerable.Range(0, P.ValuesPerChunk).Select(_ => (uint)rng.Next(1 << P.ValueBits))];
            using var secret = KeyShareSecret.Generate(P, i);
            return new MaskedEncryptor(P, secret).Encrypt(values, a).Serialize();
        })];
    }

    [Fact]
    public void ARunningSumFoldedFromWireBytesEqualsTheByteLevelFoldAndTheSumOfParsedUploads()
    {
        var scheme = new CiphertextScheme(P);
        byte[][] uploads = Uploads();
        IChunkSum running = new SchemeChunkAdder(scheme).StartSum(0, uploads[0]);
        byte[] byteLevel = (byte[])uploads[0].Clone();
        MaskedUpload parsed = MaskedUpload.Deserialize(P, uploads[0]);
        foreach (byte[] u in uploads[1..])
        {
            running.Add(u);
            scheme.Fold(byteLevel, u); // the path every fold took before: parse the sum, add, serialize back
            parsed = MaskedUpload.Add(parsed, MaskedUpload.Deserialize(P, u));
        }

        var written = new byte[running.Bytes];
        running.WriteTo(written);
        Assert.Equal(P.UploadBytes, running.Bytes);
        Assert.Equal(byteLevel, written);
        Assert.Equal(parsed.Serialize(), written);
        Assert.Equal(4, MaskedUpload.Deserialize(P, written).SummandCount);
    }

    [Fact]
    public void AMalformedAddendIsRefusedAndLeavesTheRunningSumAsItWas()
    {
        var adder = new SchemeChunkAdder(new CiphertextScheme(P));
        byte[][] uploads = Uploads();
        IChunkSum running = adder.StartSum(0, uploads[0]);
        var before = new byte[running.Bytes];
        running.WriteTo(before);

        byte[] bad = (byte[])uploads[1].Clone();
        bad.AsSpan(bad.Length - 16).Fill(0xFF); // a residue of the last limb ≥ its prime, after most were added
        Assert.False(adder.TryValidate(0, bad, out string? problem));
        Assert.Contains("not below its prime", problem);
        Assert.Throws<InvalidDataException>(() => running.Add(bad));

        var after = new byte[running.Bytes];
        running.WriteTo(after);
        Assert.Equal(before, after);
        Assert.True(adder.TryValidate(0, uploads[1], out _));
    }
}

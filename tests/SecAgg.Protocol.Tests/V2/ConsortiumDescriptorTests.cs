using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SecAgg.Protocol.Identity;

namespace SecAgg.Protocol.Tests.V2;

public sealed class ConsortiumDescriptorTests
{
    private static RosterEntry Entry(string id, byte fill) => new(id, Enumerable.Repeat(fill, 32).ToArray());

    private static RosterEntry[] Roster(int n) => [.. Enumerable.Range(1, n).Select(i => Entry($"site-{i}", (byte)i))];

    private static ConsortiumDescriptor Make(int n = 3, int t = 2, int c = 1, int m = 2) => ConsortiumDescriptor.Create(TestConsortium.Literal(Roster(n), t, c, m));

    [Fact]
    public void EncodingHasTheDocumentedLayout()
    {
        ConsortiumDescriptor d = Make(n: 2, t: 2, c: 1, m: 2);

        // Built by hand from the layout in the class summary.
        var expected = new List<byte>();
        void U16(int v) => expected.AddRange(BitConverter.GetBytes((ushort)v));
        void U32(uint v) => expected.AddRange(BitConverter.GetBytes(v));
        void U64(ulong v) => expected.AddRange(BitConverter.GetBytes(v));
        void F64(double v) => expected.AddRange(BitConverter.GetBytes(v));
        void Str(string s)
        {
            U16(Encoding.UTF8.GetByteCount(s));
            expected.AddRange(Encoding.UTF8.GetBytes(s));
        }

        expected.AddRange("SecAgg consortium v2"u8.ToArray());
        Str("heart-study");
        U16(2);
        Str("site-1");
        expected.AddRange(Enumerable.Repeat((byte)1, 32));
        Str("site-2");
        expected.AddRange(Enumerable.Repeat((byte)2, 32));
        U16(2);
        U16(1);
        U16(2);
        expected.Add(0);
        Str(ProtocolPresets.PlannedName);
        U64(1_000_000);
        U32(32768);
        U32(1);
        expected.Add(16);
        F64(1.0);
        expected.Add(1);
        F64(1.0);
        F64(1e-6);
        U32(10);
        F64(8);
        U16(40);
        U64(65536);

        Assert.True(BitConverter.IsLittleEndian);
        Assert.Equal(expected.ToArray(), d.Encode());
        Assert.Equal(SHA256.HashData([.. "secagg/v2/consortium"u8.ToArray(), .. expected]), d.Digest.ToArray());
    }

    [Fact]
    public void EncodingRoundTripsToTheSameDigest()
    {
        ConsortiumDescriptor d = ConsortiumDescriptor.Create(TestConsortium.Literal(Roster(4), 3, 2, 3) with
        {
            Scheme = HeScheme.Ckks,
            NoiseMultiplier = null,
            TargetEpsilon = 4.5,
            MaxWeight = 7,
            StatisticalSecurity = 48,
            ShareCap = 1 << 20,
        });
        ConsortiumDescriptor back = ConsortiumDescriptor.Parse(d.Encode());
        Assert.Equal(d.Digest.ToArray(), back.Digest.ToArray());
        Assert.Equal(HeScheme.Ckks, back.Scheme);
        Assert.Null(back.NoiseMultiplier);
        Assert.Equal(4.5, back.TargetEpsilon);
        Assert.Equal(["site-1", "site-2", "site-3", "site-4"], back.Roster.Select(e => e.ParticipantId));
        Assert.Equal(2, back.IndexOf("site-3"));
        Assert.Equal(-1, back.IndexOf("site-9"));
    }

    [Fact]
    public void EveryRelyOnValueChangesTheDigest()
    {
        ConsortiumDescriptorLiteral baseLiteral = TestConsortium.Literal(Roster(4), 3, 1, 3);
        byte[] reference = ConsortiumDescriptor.Create(baseLiteral).Digest.ToArray();
        ConsortiumDescriptorLiteral[] variants =
        [
            baseLiteral with { ConsortiumId = "other-study" },
            baseLiteral with { Roster = [.. Roster(4).Reverse()] },
            baseLiteral with { Roster = [.. Roster(3), Entry("site-4", 9)] },
            baseLiteral with { Threshold = 4 },
            baseLiteral with { MaxColluders = 2 },
            baseLiteral with { MinParticipants = 4 },
            baseLiteral with { Scheme = HeScheme.Ckks },
            baseLiteral with { HePreset = "other" },
            baseLiteral with { ModelDimension = 999_999 },
            baseLiteral with { MaxRingDegree = 16384 },
            baseLiteral with { MaxWeight = 2 },
            baseLiteral with { Bits = 15 },
            baseLiteral with { ClipNorm = 1.5 },
            baseLiteral with { NoiseMultiplier = null, TargetEpsilon = 1.0 },
            baseLiteral with { NoiseMultiplier = 1.01 },
            baseLiteral with { Delta = 1e-7 },
            baseLiteral with { Rounds = 11 },
            baseLiteral with { EpsilonBudget = 9 },
            baseLiteral with { StatisticalSecurity = 41 },
            baseLiteral with { ShareCap = 65537 },
        ];
        var digests = variants.Select(v => Convert.ToHexString(ConsortiumDescriptor.Create(v).Digest.Span)).Append(Convert.ToHexString(reference)).ToList();
        Assert.Equal(digests.Count, digests.Distinct().Count());
    }

    [Fact]
    public void UnsafeOrInconsistentParametersAreAllReported()
    {
        RosterEntry[] roster = [Entry("a", 1), Entry("a", 2), Entry("c", 1), new RosterEntry("d", new byte[31])];
        var e = Assert.Throws<ConsortiumDescriptorException>(() => ConsortiumDescriptor.Create(TestConsortium.Literal(roster, t: 2, c: 2, m: 5)));
        Assert.Contains(e.Errors, x => x.Contains("listed twice", StringComparison.Ordinal) && x.Contains("'a'", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("same as participant 'a'", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("31 bytes", StringComparison.Ordinal) && x.Contains("32-byte SHA-256", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("max-colluders c = 2 must be at most t - 1 = 1", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("min-participants m = 5 exceeds the 4 participants", StringComparison.Ordinal));
        Assert.Equal(5, e.Errors.Length);
        Assert.StartsWith("The consortium parameters have 5 problems:", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0, 2, "threshold t = 0 must be in 1..3")]
    [InlineData(4, 0, 2, "threshold t = 4 must be in 1..3")]
    [InlineData(2, 2, 3, "max-colluders c = 2 must be at most t - 1 = 1")]
    [InlineData(3, 2, 2, "m - c must be at least 1")]
    [InlineData(3, 0, 4, "min-participants m = 4 exceeds the 3 participants")]
    [InlineData(3, 0, 1, "min-participants m = 1 must be at least 2")]
    [InlineData(2, -1, 2, "must not be negative")]
    public void EachCountRuleIsEnforced(int t, int c, int m, string message)
    {
        var e = Assert.Throws<ConsortiumDescriptorException>(() => Make(n: 3, t: t, c: c, m: m));
        Assert.Contains(e.Errors, x => x.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void DpValuesOutOfRangeAreReported()
    {
        ConsortiumDescriptorLiteral bad = TestConsortium.Literal(Roster(3), 2, 1, 2) with
        {
            Bits = 0,
            ClipNorm = double.NaN,
            TargetEpsilon = 20,
            Delta = 1,
            Rounds = 0,
        };
        var e = Assert.Throws<ConsortiumDescriptorException>(() => ConsortiumDescriptor.Create(bad));
        Assert.Contains(e.Errors, x => x.Contains("bits b = 0", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("clip norm NaN", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("exactly one of the dp noise multiplier", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("exceeds the ε budget", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("δ = 1 must be in (0, 1)", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Contains("rounds = 0", StringComparison.Ordinal));
    }

    [Fact]
    public void ParseRefusesTruncationTrailingBytesAndUnknownTags()
    {
        byte[] encoding = Make().Encode();
        Assert.Throws<InvalidDataException>(() => ConsortiumDescriptor.Parse(encoding.AsSpan(0, encoding.Length - 1)));
        Assert.Throws<InvalidDataException>(() => ConsortiumDescriptor.Parse([.. encoding, 0]));
        byte[] badMagic = [.. encoding];
        badMagic[0] ^= 1;
        Assert.Throws<InvalidDataException>(() => ConsortiumDescriptor.Parse(badMagic));

        // The noise tag is followed by its value (8), δ (8), rounds (4), ε budget (8), κ (2) and Q_cap (8).
        int tagAt = encoding.Length - (1 + 8 + 8 + 4 + 8 + 2 + 8);
        Assert.Equal(1, encoding[tagAt]);
        byte[] badTag = [.. encoding];
        badTag[tagAt] = 3;
        var e = Assert.Throws<InvalidDataException>(() => ConsortiumDescriptor.Parse(badTag));
        Assert.Contains("noise kind 3 is unknown", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseRechecksTheRules()
    {
        byte[] encoding = Make(n: 3, t: 2, c: 1, m: 2).Encode();
        int nAt = "SecAgg consortium v2".Length + 2 + "heart-study".Length;
        int tAt = nAt + 2 + 3 * (2 + 6 + 32);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(encoding.AsSpan(nAt)));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(encoding.AsSpan(tAt)));
        BinaryPrimitives.WriteUInt16LittleEndian(encoding.AsSpan(tAt + 2), 2); // c = t
        var e = Assert.Throws<ConsortiumDescriptorException>(() => ConsortiumDescriptor.Parse(encoding));
        Assert.Contains(e.Errors, x => x.Contains("max-colluders c = 2", StringComparison.Ordinal));
    }

    [Fact]
    public void DigestIsFormattedInGroupsOfFourHexDigits()
    {
        ConsortiumDescriptor d = Make();
        string text = d.FormatDigest();
        string[] groups = text.Split(' ');
        Assert.Equal(16, groups.Length);
        Assert.All(groups, g => Assert.Matches("^[0-9A-F]{4}$", g));
        Assert.Equal(Convert.ToHexString(d.Digest.Span), string.Concat(groups));
    }
}

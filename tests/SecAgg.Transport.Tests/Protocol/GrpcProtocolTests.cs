using SecAgg.Transport.Internal;

namespace SecAgg.Transport.Tests.Protocol;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("é", "%C3%A9")]
    [InlineData("100%", "100%25")]
    [InlineData("plain ascii ~", "plain ascii ~")]
    [InlineData("a\nb", "a%0Ab")]
    [InlineData("✓", "%E2%9C%93")]
    public void PercentEncodingMatchesTheGrpcSpec(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.PercentEncode(message));
        Assert.Equal(message, GrpcProtocol.PercentDecode(encoded));
    }

    [Theory]
    [InlineData("%zz", "%zz")]
    [InlineData("50%", "50%")]
    [InlineData("%4", "%4")]
    public void MalformedPercentEscapesAreKeptLiterally(string value, string decoded) => Assert.Equal(decoded, GrpcProtocol.PercentDecode(value));

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("500m", 5_000_000L)]
    [InlineData("250u", 2_500L)]
    [InlineData("1000n", 10L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void TimeoutHeaderParsesEveryUnit(string header, long ticks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(header, out TimeSpan timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("123456789S")]
    [InlineData("-5S")]
    public void InvalidTimeoutHeadersAreRejected(string header) => Assert.False(GrpcProtocol.TryParseTimeout(header, out _));

    [Theory]
    [InlineData(1L)]
    [InlineData(999_999L)]
    [InlineData(5_000_000L)]
    [InlineData(36_000_000_000L)]
    [InlineData(864_000_000_000_000L)]
    public void FormattedTimeoutsParseBackToAtLeastTheSameDuration(long ticks)
    {
        string header = GrpcProtocol.FormatTimeout(TimeSpan.FromTicks(ticks));
        Assert.InRange(header.Length, 2, 9);
        Assert.True(GrpcProtocol.TryParseTimeout(header, out TimeSpan back));
        Assert.True(back.Ticks >= ticks, $"{header} is shorter than {ticks} ticks");
        Assert.True(back.Ticks <= (ticks * 1.01) + 10, $"{header} rounds {ticks} ticks up by more than 1%");
    }

    [Fact]
    public void BinaryHeadersDecodeWithOrWithoutPadding()
    {
        Assert.Equal(new byte[] { 0xff }, GrpcProtocol.DecodeBinaryHeader("/w=="));
        Assert.Equal(new byte[] { 0xff }, GrpcProtocol.DecodeBinaryHeader("/w"));
        Assert.Equal(new byte[] { 1, 2 }, GrpcProtocol.DecodeBinaryHeader("AQI"));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc;charset=utf-8", true)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    public void GrpcContentTypesAreRecognised(string contentType, bool expected) => Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));
}

public sealed class MetadataTests
{
    [Fact]
    public void KeysAreLowerCasedAndLookedUpCaseInsensitively()
    {
        var m = new Metadata().Add("X-Tag", "v");
        Assert.Equal("x-tag", m[0].Key);
        Assert.Equal("v", m.GetValue("X-TAG"));
    }

    [Fact]
    public void BinaryKeyWithTextValueIsRejected() => Assert.Throws<ArgumentException>("key", () => new Metadata().Add("x-bin", "text"));

    [Fact]
    public void TextKeyWithBinaryValueIsRejected() => Assert.Throws<ArgumentException>("key", () => new Metadata().Add("x-text", [1, 2]));

    [Fact]
    public void NonAsciiTextValueIsRejected() => Assert.Throws<ArgumentException>("value", () => new Metadata().Add("x-text", "é"));

    [Fact]
    public void InvalidKeyIsRejected() => Assert.Throws<ArgumentException>("key", () => new Metadata().Add("bad key", "v"));
}

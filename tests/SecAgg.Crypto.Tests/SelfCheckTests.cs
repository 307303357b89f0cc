namespace SecAgg.Crypto.Tests;

public sealed class SelfCheckTests
{
    [Fact]
    public void SelfCheckDecryptsTheSumAndReportsThroughput()
    {
        var output = new StringWriter();
        Assert.True(SelfCheck.Run(output, ciphertextCount: 4));
        string text = output.ToString();
        Assert.Contains("decrypted sum: CORRECT", text);
        Assert.Contains("M values/s", text);
        Assert.Throws<ArgumentOutOfRangeException>(() => SelfCheck.Run(output, 0));
    }
}

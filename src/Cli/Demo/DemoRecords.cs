namespace SecAgg.Cli.Demo;

/// <summary>Wall-clock time of each stage of one secure round (over the network: the slowest hospital's).</summary>
internal sealed record StageTimes(TimeSpan Train, TimeSpan Encrypt, TimeSpan Aggregate, TimeSpan Decrypt, TimeSpan Decode)
{
    public TimeSpan Total => Train + Encrypt + Aggregate + Decrypt + Decode;
}

/// <summary>Bytes one secure round moves between the participants and the aggregator.</summary>
internal sealed record WireBytes(long Uploads, long DecryptionShares, long ModelDownloads)
{
    public long Total => Uploads + DecryptionShares + ModelDownloads;
}

/// <summary>What one secure round produced.</summary>
internal sealed record SecureRoundResult(int Round, float[] Mean, StageTimes Times, WireBytes Bytes);

/// <summary>One row of the demo: the secure DP model next to the plaintext references.</summary>
internal sealed record DemoRound(int Round, double Secure, double FedAvg, IReadOnlyList<double> Alone, double Epsilon, SecureRoundResult Detail);

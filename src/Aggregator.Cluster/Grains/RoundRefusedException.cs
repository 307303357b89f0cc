using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>A round grain refused a call (wrong stage, deadline, not a member, bad statement); the round is unchanged.</summary>
[GenerateSerializer]
public sealed class RoundRefusedException : Exception
{
    /// <summary>Creates the refusal.</summary>
    public RoundRefusedException(RoundError error, string message)
        : base(message) => Error = error;

    /// <summary>What went wrong.</summary>
    [Id(0)]
    public RoundError Error { get; private set; }
}

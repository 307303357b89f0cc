namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>One line of the cluster's privacy ledger: what releasing a round's aggregate spends.</summary>
/// <param name="Round">The round.</param>
/// <param name="Summands">|U|: the uploads (noise shares) in its sum.</param>
/// <param name="EpsilonRound">ε of this round alone, at <paramref name="Delta"/>.</param>
/// <param name="EpsilonTotal">ε of every round in the ledger up to this one, composed, at <paramref name="Delta"/>.</param>
/// <param name="Delta">The consortium's δ.</param>
/// <param name="RecordedAt">When it was recorded (before the round's model was released).</param>
[GenerateSerializer, Immutable]
public sealed record SpentRound(
    [property: Id(0)] long Round,
    [property: Id(1)] int Summands,
    [property: Id(2)] double EpsilonRound,
    [property: Id(3)] double EpsilonTotal,
    [property: Id(4)] double Delta,
    [property: Id(5)] DateTimeOffset RecordedAt);

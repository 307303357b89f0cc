namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>One model version as the cluster holds it.</summary>
/// <param name="Version">The model version (0 = the initial model; round r publishes its base version + 1).</param>
/// <param name="Round">The round that published it; 0 for the initial model.</param>
/// <param name="Participants">|U| of that round; 0 for the initial model.</param>
/// <param name="Values">The model's d values.</param>
[GenerateSerializer, Immutable]
public sealed record PublishedModel([property: Id(0)] long Version, [property: Id(1)] long Round, [property: Id(2)] int Participants, [property: Id(3)] float[] Values);

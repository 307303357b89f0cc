namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>What opens a round: the digest of its parameters and its chunk count (from the round's RoundParameters).</summary>
/// <param name="ParameterDigest">Digest of the round's parameters.</param>
/// <param name="ChunkCount">C: chunks in one complete upload.</param>
[GenerateSerializer, Immutable]
public sealed record RoundOpening([property: Id(0)] byte[] ParameterDigest, [property: Id(1)] int ChunkCount);

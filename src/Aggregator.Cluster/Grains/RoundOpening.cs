using Google.Protobuf;
using SecAgg.Protocol;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// What opens a round: the digest of its parameters and its chunk count, and what any silo needs to rebuild the round's
/// <see cref="RoundParameters"/> (to check and combine decryption shares and decode the model): the announced
/// configuration (a serialized <c>secagg.v1.RoundConfig</c>) and the key epoch's public seed. A round opened without
/// them is aggregated but cannot be decrypted (its shares are refused, saying so).
/// </summary>
/// <param name="ParameterDigest">Digest of the round's parameters.</param>
/// <param name="ChunkCount">C: chunks in one complete upload.</param>
[GenerateSerializer, Immutable]
public sealed record RoundOpening([property: Id(0)] byte[] ParameterDigest, [property: Id(1)] int ChunkCount)
{
    /// <summary>The round's announced configuration, a serialized <c>secagg.v1.RoundConfig</c>; empty when not given.</summary>
    [Id(2)]
    public byte[] Configuration { get; init; } = [];

    /// <summary>The key epoch's public 32-byte seed (the round polynomials and rotation seed derive from it); empty when not given.</summary>
    [Id(3)]
    public byte[] EpochSeed { get; init; } = [];

    /// <summary>The opening of the round <paramref name="round"/> describes, with its configuration and epoch seed.</summary>
    public static RoundOpening For(RoundParameters round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return new RoundOpening(round.ParameterDigest, round.TotalChunks)
        {
            Configuration = round.ToContract(DateTimeOffset.UnixEpoch, V1.RoundStage.Unspecified).ToByteArray(),
            EpochSeed = round.EpochSeed.ToArray(),
        };
    }
}

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// Where upload chunks enter the cluster: a stateless worker (one or more per silo, the one of the silo the caller reached),
/// so ingest spreads over every silo a client or front end talks to. It checks a chunk and stages it in the shared store.
/// </summary>
public interface IChunkIngestGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Stages chunk <paramref name="index"/> of <paramref name="participant"/>'s upload <paramref name="uploadId"/> in round
    /// <paramref name="round"/>: enrolled, index below C, well-formed, the round open or collecting when this worker first
    /// saw it (the deadline itself is enforced when the upload is completed); the same bytes again are accepted as a
    /// repeat, other bytes at a held index are refused. The payload is not copied on a call within the silo
    /// (<see cref="ImmutableAttribute"/>): the caller must not change it afterwards.
    /// </summary>
    Task<UploadOutcome> StageChunkAsync(long round, string participant, Guid uploadId, int index, [Immutable] byte[] payload);

    /// <summary>The indices of the chunks of upload <paramref name="uploadId"/> that <paramref name="participant"/> staged in round <paramref name="round"/>, ascending.</summary>
    Task<int[]> GetStagedAsync(long round, string participant, Guid uploadId);
}

using Orleans.Concurrency;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Cluster.Staging;
using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// <see cref="IChunkIngestGrain"/>: checks (enrolled, round collecting, index, <see cref="Protocol.CiphertextScheme.TryValidateUpload"/>)
/// then <see cref="IStagedChunks.StageAsync"/>. Keeps nothing but each round's chunk count, which never changes once open.
/// </summary>
[StatelessWorker]
internal sealed class ChunkIngestGrain(ClusterConsortium consortium, IStagedChunks staged) : Grain, IChunkIngestGrain
{
    private readonly Dictionary<long, int> _chunkCounts = [];

    public async Task<int[]> GetStagedAsync(long round, string participant, Guid uploadId) =>
        [.. (await staged.DigestsAsync(round, uploadId).ConfigureAwait(true)).Where(d => d.Participant == participant).Select(d => d.Index)];

    public async Task<UploadOutcome> StageChunkAsync(long round, string participant, Guid uploadId, int index, [Immutable] byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (string.IsNullOrEmpty(participant) || !consortium.Policy.IsEnrolled(participant))
        {
            return UploadOutcome.Refuse(UploadRefusal.NotEnrolled, $"'{participant}' is not enrolled in the consortium");
        }

        if (!_chunkCounts.TryGetValue(round, out int chunks))
        {
            RoundView view = await GrainFactory.GetGrain<IRoundGrain>(round).GetAsync().ConfigureAwait(true);
            if (view.Stage is not (RoundStages.Open or RoundStages.Collecting))
            {
                return view.ChunkCount == 0
                    ? UploadOutcome.Refuse(UploadRefusal.NoSuchRound, $"round {round} is not open")
                    : UploadOutcome.Refuse(UploadRefusal.Late, $"round {round} is {view.Stage} and no longer takes uploads");
            }

            _chunkCounts[round] = chunks = view.ChunkCount;
        }

        if (index < 0 || index >= chunks)
        {
            return UploadOutcome.Refuse(UploadRefusal.Malformed, $"chunk index {index} is outside round {round}'s chunks 0..{chunks - 1}");
        }

        if (!consortium.Scheme.TryValidateUpload(payload, out string? problem))
        {
            return UploadOutcome.Refuse(UploadRefusal.Malformed, $"chunk {index}: {problem}");
        }

        return await staged.StageAsync(round, uploadId, participant, index, payload).ConfigureAwait(true) switch
        {
            StageResult.Staged => UploadOutcome.Accept(),
            StageResult.AlreadyStaged => UploadOutcome.Accept(repeated: true),
            _ => UploadOutcome.Refuse(UploadRefusal.ConflictingChunk, $"other bytes are held at chunk {index} of upload {uploadId}; resend the bytes you committed to"),
        };
    }
}

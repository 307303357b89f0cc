using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Logging;
using SecAgg.Aggregator.Rounds;
using static SecAgg.Aggregator.Storage.Internal.Sql;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>
/// Which staged uploads count in a round: one <c>counted_uploads</c> row per (round, participant), written in the
/// same transaction as the round state that counts it (primary key: an upload can never count twice). The row
/// keeps the upload's hash (SHA-256 over its chunks' SHA-256s) and <c>sealed</c>: 0 while the upload's bytes are
/// its staged chunks, 1 once they are in the round's durable sum.
/// </summary>
internal sealed class CountedUploads(SqlDialect dialect, ChunkStaging staging, Action<string> step, ILogger logger)
{
    /// <summary>
    /// One transaction under the round's lock: each of <paramref name="participants"/> that can count (not counted,
    /// every chunk staged, <paramref name="countUpload"/> accepts it on the state so far) is recorded, and the round
    /// state after them is written; the others are left out with their reason.
    /// </summary>
    public async Task<IReadOnlyList<CountOutcome>> CountAsync(long round, IReadOnlyList<string> participants, Func<RoundState, string, RoundState> countUpload, CancellationToken ct)
    {
        var outcomes = new Dictionary<string, CountOutcome>(StringComparer.Ordinal);
        var accepted = new List<(string Participant, byte[] Hash)>();
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        step("count.begin");
        await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        var before = await RoundRepository.ReadAsync(c, tx, round, dialect.ForUpdate, ct).ConfigureAwait(false)
            ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {round} does not exist");
        var state = before;
        foreach (string participant in participants)
        {
            if (await ScalarAsync(c, tx, "SELECT 1 FROM counted_uploads WHERE round = @r AND participant = @p", ct, P("r", round), P("p", participant)).ConfigureAwait(false) is not null)
            {
                outcomes[participant] = new(participant, null, new RoundStateException(RoundError.Duplicate, $"participant '{participant}''s upload is already counted in round {round}"));
                continue;
            }

            RoundState next;
            try
            {
                next = countUpload(state, participant);
            }
            catch (RoundStateException e)
            {
                outcomes[participant] = new(participant, null, e);
                continue;
            }

            var held = await QueryAsync(c, tx, "SELECT chunk_index, sha256 FROM staged_chunks WHERE round = @r AND participant = @p ORDER BY chunk_index",
                r => (Index: r.GetInt32(0), Sha: (byte[])r[1]), ct, P("r", round), P("p", participant)).ConfigureAwait(false);
            if (held.Count != before.ChunkCount || held[^1].Index != before.ChunkCount - 1)
            {
                outcomes[participant] = new(participant, null, new InvalidOperationException(
                    $"participant '{participant}' has {held.Count} of the {before.ChunkCount} chunks of its round-{round} upload staged; it cannot be counted yet"));
                continue;
            }

            accepted.Add((participant, SHA256.HashData(held.SelectMany(h => h.Sha).ToArray())));
            state = next;
        }

        if (accepted.Count == 0)
        {
            return [.. participants.Select(p => outcomes[p])];
        }

        foreach (var (participant, hash) in accepted)
        {
            await ExecAsync(c, tx, "INSERT INTO counted_uploads (round, participant, chunk_count, upload_sha256, counted_at, sealed) VALUES (@r, @p, @n, @h, @t, 0)", ct,
                P("r", round), P("p", participant), P("n", before.ChunkCount), P("h", hash), P("t", Now())).ConfigureAwait(false);
        }

        step("count.recorded");
        await RoundRepository.WriteAsync(c, tx, state, ct).ConfigureAwait(false);
        step("count.before-commit");
        await tx.CommitAsync(ct).ConfigureAwait(false);
        step("count.after-commit");
        foreach (var (participant, _) in accepted)
        {
            outcomes[participant] = new(participant, state, null);
            Log.UploadCounted(logger, round, participant, state.ChunkCount, state.Summands);
        }

        return [.. participants.Select(p => outcomes[p])];
    }

    /// <summary>
    /// A staged chunk of <paramref name="participant"/>'s upload is lost (missing or damaged file): drops it and the
    /// chunks after it, so the participant resumes from <paramref name="lostIndex"/>. If the upload was counted but not
    /// sealed yet, its count is taken back (<see cref="RoundLifecycle.Uncount"/>) in the same transaction. Returns
    /// whether a count was taken back.
    /// </summary>
    /// <exception cref="StoreCorruptException">The upload was counted and the round no longer collects: its sum cannot be completed.</exception>
    public async Task<bool> DropLostAsync(long round, string participant, int lostIndex, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        var before = await RoundRepository.ReadAsync(c, tx, round, dialect.ForUpdate, ct).ConfigureAwait(false)
            ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {round} does not exist");
        long? isSealed = await LongAsync(c, tx, "SELECT sealed FROM counted_uploads WHERE round = @r AND participant = @p", ct, P("r", round), P("p", participant)).ConfigureAwait(false);
        bool uncount = isSealed == 0;
        if (uncount)
        {
            if (!RoundRepository.IsCollecting(before.Stage))
            {
                throw new StoreCorruptException(
                    $"chunk {lostIndex} of '{participant}''s counted upload to round {round} is missing or damaged and the round no longer collects, so its sum cannot be completed; abort the round");
            }

            await ExecAsync(c, tx, "DELETE FROM counted_uploads WHERE round = @r AND participant = @p", ct, P("r", round), P("p", participant)).ConfigureAwait(false);
            await RoundRepository.WriteAsync(c, tx, RoundLifecycle.Uncount(before, participant), ct).ConfigureAwait(false);
        }

        var doomed = await staging.DeleteFromAsync(c, tx, round, participant, lostIndex, ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        doomed.ForEach(ChunkFiles.TryDelete);
        Log.StagedChunkLost(logger, round, participant, lostIndex);
        if (uncount)
        {
            Log.CountedUploadLost(logger, round, participant, lostIndex);
        }

        return uncount;
    }
}

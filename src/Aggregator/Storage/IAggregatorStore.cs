using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Storage;

/// <summary>
/// The aggregator's durable state: rounds, staged upload chunks, the per-round ciphertext sums, which uploads
/// are counted, and the privacy ledger. Every method is atomic: it commits completely or not at all, so a crash at
/// any point leaves either the state before or the state after. Implementations: <see cref="SqliteAggregatorStore"/>
/// (embedded default) and <see cref="PostgresAggregatorStore"/>.
/// Nothing stored here can be decrypted by the aggregator (ciphertexts and their sums only).
/// </summary>
public interface IAggregatorStore : IAsyncDisposable
{
    /// <summary>The schema version of the database (after migration).</summary>
    Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>The round numbered <paramref name="number"/>, or null.</summary>
    Task<RoundState?> GetRoundAsync(long number, CancellationToken cancellationToken = default);

    /// <summary>The highest-numbered round, or null before round 1.</summary>
    Task<RoundState?> GetLatestRoundAsync(CancellationToken cancellationToken = default);

    /// <summary>Rounds neither published nor aborted (to resume after a restart), ascending.</summary>
    Task<IReadOnlyList<RoundState>> GetUnfinishedRoundsAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a newly opened round.</summary>
    /// <exception cref="StoreConflictException">A round with that number exists.</exception>
    Task InsertRoundAsync(RoundState round, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="transition"/> to the stored round under its lock and stores the result, with
    /// <paramref name="ledgerEntry"/> (when given) in the same transaction. When the round leaves collection its
    /// staged chunks are discarded. Returns the stored state.
    /// </summary>
    /// <exception cref="RoundStateException">The transition refused; nothing changed.</exception>
    Task<RoundState> UpdateRoundAsync(long number, Func<RoundState, RoundState> transition, LedgerEntry? ledgerEntry = null, CancellationToken cancellationToken = default);

    /// <summary>Stages one chunk of an upload (not yet counted). Resending identical bytes is harmless.</summary>
    Task<StageOutcome> StageChunkAsync(ChunkUpload chunk, CancellationToken cancellationToken = default);

    /// <summary>Which chunks of <paramref name="participant"/>'s upload are held, and whether it is counted.</summary>
    Task<UploadProgress> GetUploadProgressAsync(long round, string participant, CancellationToken cancellationToken = default);

    /// <summary>Participants with staged chunks in <paramref name="round"/> (uploads not yet counted).</summary>
    Task<IReadOnlyList<string>> GetParticipantsWithStagedChunksAsync(long round, CancellationToken cancellationToken = default);

    /// <summary>Drops <paramref name="participant"/>'s staged chunks (to restart an upload). A counted upload is unaffected.</summary>
    Task DiscardStagedChunksAsync(long round, string participant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts a complete staged upload, in one transaction: each chunk is added into the round's sum one index at a
    /// time (memory: one chunk and one sum chunk), the "counted" record and the round state from
    /// <paramref name="countUpload"/> are written, the staged chunks deleted. Either all of it commits or none.
    /// </summary>
    /// <exception cref="RoundStateException">Already counted, late, or the round no longer collects; nothing changed.</exception>
    /// <exception cref="InvalidOperationException">Not all chunks are staged; nothing changed.</exception>
    Task<RoundState> FoldUploadAsync(long round, string participant, IChunkAdder adder, Func<RoundState, RoundState> countUpload, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts several complete staged uploads in one transaction (group commit): the round's sum is read and written once
    /// per chunk index for the whole batch (memory: one sum chunk and one staged chunk), each upload's "counted" record
    /// and the round state from <paramref name="countUpload"/> (applied in order) are written, the staged chunks deleted.
    /// An upload that cannot count (already counted, late, incomplete, a staged chunk lost) is left out with its reason;
    /// the others commit together, or none does.
    /// </summary>
    Task<IReadOnlyList<FoldOutcome>> FoldUploadsAsync(long round, IReadOnlyList<string> participants, IChunkAdder adder, Func<RoundState, string, RoundState> countUpload, CancellationToken cancellationToken = default);

    /// <summary>The round's running sum at <paramref name="chunkIndex"/> and how many uploads it holds, or null when nothing was added there.</summary>
    Task<(byte[] Sum, int Summands)?> ReadSumChunkAsync(long round, int chunkIndex, CancellationToken cancellationToken = default);

    /// <summary>The privacy ledger, by round.</summary>
    Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(CancellationToken cancellationToken = default);
}

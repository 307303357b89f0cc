using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;

namespace SecAgg.Aggregator.Storage;

/// <summary>
/// The aggregator's durable state: rounds, staged upload chunks, which uploads are counted, the per-round durable
/// ciphertext sums, and the privacy ledger. Every method is atomic: it commits completely or not at all, so a crash at
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
    /// <paramref name="ledgerEntry"/> (when given) in the same transaction. When the round leaves collection the staged
    /// chunks of uploads not counted are discarded; a counted upload's chunks stay until they are sealed into the
    /// durable sum or the round is published or aborted. Returns the stored state.
    /// </summary>
    /// <exception cref="RoundStateException">The transition refused; nothing changed.</exception>
    Task<RoundState> UpdateRoundAsync(long number, Func<RoundState, RoundState> transition, LedgerEntry? ledgerEntry = null, CancellationToken cancellationToken = default);

    /// <summary>Stages one chunk of an upload (not yet counted). Resending identical bytes is harmless.</summary>
    Task<StageOutcome> StageChunkAsync(ChunkUpload chunk, CancellationToken cancellationToken = default);

    /// <summary>Which chunks of <paramref name="participant"/>'s upload are held (none listed once it is counted), and whether it is counted.</summary>
    Task<UploadProgress> GetUploadProgressAsync(long round, string participant, CancellationToken cancellationToken = default);

    /// <summary>Participants with staged chunks of an upload not counted yet in <paramref name="round"/>.</summary>
    Task<IReadOnlyList<string>> GetParticipantsWithStagedChunksAsync(long round, CancellationToken cancellationToken = default);

    /// <summary>Drops <paramref name="participant"/>'s staged chunks (to restart an upload). A counted upload is unaffected.</summary>
    Task DiscardStagedChunksAsync(long round, string participant, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts complete staged uploads, in one transaction under the round's lock (group commit): each of
    /// <paramref name="participants"/> that can count gets its "counted" record and the round state from
    /// <paramref name="countUpload"/> (applied in order) is written. An upload that cannot count (already counted, late,
    /// incomplete) is left out with its reason; the others commit together, or none does. Nothing is added here: a
    /// counted upload's staged chunks stay and are its bytes until <see cref="SealSumAsync"/> adds them into the
    /// round's durable sum (the accumulator folds them into its running sum in memory meanwhile).
    /// </summary>
    Task<IReadOnlyList<CountOutcome>> CountUploadsAsync(long round, IReadOnlyList<string> participants, Func<RoundState, string, RoundState> countUpload, CancellationToken cancellationToken = default);

    /// <summary>The round's durable sum (how many uploads it holds) and the counted uploads not in it yet.</summary>
    Task<SumContents> GetSumContentsAsync(long round, CancellationToken cancellationToken = default);

    /// <summary>Hands a staged chunk's bytes, checked against their SHA-256, to <paramref name="consume"/>.</summary>
    /// <exception cref="StagedChunkLostException">The chunk is missing or damaged (e.g. lost in a power cut); see <see cref="DropLostChunkAsync"/>.</exception>
    Task ReadStagedChunkAsync(long round, string participant, int chunkIndex, ChunkConsumer consume, CancellationToken cancellationToken = default);

    /// <summary>
    /// A staged chunk was found lost: drops it and the chunks after it (the participant resumes from
    /// <paramref name="chunkIndex"/>); if the upload was counted but not sealed yet, its count is taken back in the same
    /// transaction (the round must still collect). Returns whether a count was taken back.
    /// </summary>
    /// <exception cref="StoreCorruptException">The upload was counted and the round no longer collects: its sum cannot be completed.</exception>
    Task<bool> DropLostChunkAsync(long round, string participant, int chunkIndex, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the round's durable sum with <paramref name="sum"/> (one buffer per chunk index): the sum of the
    /// <paramref name="sealedSummands"/> uploads already in it plus the counted uploads <paramref name="added"/>, which must
    /// be all of those not sealed yet. The new sum is on disk (fsynced) before one transaction records it, marks those
    /// uploads sealed and deletes their staged chunks; the previous version is deleted after the commit.
    /// </summary>
    /// <exception cref="StoreConflictException">The counted uploads or the durable sum changed meanwhile (another process); nothing changed.</exception>
    Task SealSumAsync(long round, int sealedSummands, IReadOnlyList<string> added, IReadOnlyList<ReadOnlyMemory<byte>> sum, CancellationToken cancellationToken = default);

    /// <summary>The round's durable sum at <paramref name="chunkIndex"/> and how many uploads it holds, or null when none was sealed.</summary>
    /// <exception cref="StoreCorruptException">The sum's file is missing or damaged.</exception>
    Task<(byte[] Sum, int Summands)?> ReadSumChunkAsync(long round, int chunkIndex, CancellationToken cancellationToken = default);

    /// <summary>The privacy ledger, by round.</summary>
    Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(CancellationToken cancellationToken = default);
}

using Microsoft.Extensions.Logging;

namespace SecAgg.Aggregator.Logging;

/// <summary>
/// The aggregator's log events. They carry ids, counts and stage names only: never key material, plaintext,
/// ciphertext or chunk bytes. Uploads counted, stage changes and chunk refusals are at debug level here: the service
/// logs them once, with the caller and the gRPC status (<c>Service/ServiceLog</c>).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Database schema ({Dialect}) migrated from version {From} to {To}")]
    public static partial void SchemaMigrated(ILogger logger, string dialect, int from, int to);

    [LoggerMessage(1002, LogLevel.Debug, "Round {Round}: upload of {Participant} counted ({Chunks} chunks); {Summands} summands now")]
    public static partial void UploadCounted(ILogger logger, long round, string participant, int chunks, int summands);

    [LoggerMessage(1003, LogLevel.Debug, "Round {Round} is now {Stage}")]
    public static partial void RoundStageChanged(ILogger logger, long round, string stage);

    [LoggerMessage(1004, LogLevel.Debug, "Round {Round}: chunk {Chunk} from {Participant} refused ({Refusal}): {Reason}")]
    public static partial void ChunkRefused(ILogger logger, long round, string participant, int chunk, string refusal, string reason);

    [LoggerMessage(1005, LogLevel.Information, "Round {Round}: counted the complete staged upload of {Participant} found at start-up")]
    public static partial void RecoveredUpload(ILogger logger, long round, string participant);

    [LoggerMessage(1006, LogLevel.Information, "Round {Round}: {Participant} restarted its upload; {Chunks} staged chunks discarded")]
    public static partial void UploadRestarted(ILogger logger, long round, string participant, int chunks);

    [LoggerMessage(1007, LogLevel.Warning, "Round {Round} aborted: {Reason}")]
    public static partial void RoundAborted(ILogger logger, long round, string reason);

    [LoggerMessage(1008, LogLevel.Information, "Round {Round} opened (collect until {Deadline:O}, {Chunks} chunks per upload)")]
    public static partial void RoundOpened(ILogger logger, long round, DateTimeOffset deadline, int chunks);

    [LoggerMessage(1009, LogLevel.Information, "Round {Round} published model version {Version}: {Summands} summands, epsilon {EpsilonRound:0.####} this round, {EpsilonTotal:0.####} in total")]
    public static partial void RoundPublished(ILogger logger, long round, long version, int summands, double epsilonRound, double epsilonTotal);

    [LoggerMessage(1010, LogLevel.Warning, "Round {Round}: chunk {ChunkIndex} of {Participant}'s staged upload was lost (missing or damaged file, e.g. after a power cut); it and the chunks after it were dropped, the participant resumes from there")]
    public static partial void StagedChunkLost(ILogger logger, long round, string participant, int chunkIndex);

    [LoggerMessage(1011, LogLevel.Warning, "Round {Round}: {Participant}'s upload no longer counts: its chunk {ChunkIndex} was lost before the round's sum was sealed (e.g. a power cut); it may upload again from that chunk")]
    public static partial void CountedUploadLost(ILogger logger, long round, string participant, int chunkIndex);

    [LoggerMessage(1012, LogLevel.Information, "Round {Round}: durable sum sealed with {Summands} uploads ({Added} added, {Chunks} chunks)")]
    public static partial void SumSealed(ILogger logger, long round, int summands, int added, int chunks);

    [LoggerMessage(1013, LogLevel.Error, "Round {Round}: {Problem}")]
    public static partial void RoundSumIncomplete(ILogger logger, long round, string problem);
}

namespace SecAgg.Aggregator.Storage;

/// <summary>The database's schema is not one this aggregator can use (e.g. written by a newer version).</summary>
public sealed class StoreSchemaException(string message) : Exception(message);

/// <summary>A write conflicts with what the store already holds (e.g. a round number that exists).</summary>
public sealed class StoreConflictException(string message) : Exception(message);

/// <summary>Stored data does not match what the database recorded (a sum file missing or damaged): the round cannot continue safely.</summary>
public sealed class StoreCorruptException(string message) : Exception(message);

/// <summary>
/// A staged chunk of an upload is no longer readable (lost in a power cut before it reached the disk, or damaged).
/// The store has dropped that chunk and the ones after it; the participant resumes from <see cref="ChunkIndex"/>.
/// </summary>
public sealed class StagedChunkLostException(string participantId, int chunkIndex)
    : Exception($"chunk {chunkIndex} of '{participantId}''s upload was lost by the aggregator (e.g. a power cut); resume the upload from chunk {chunkIndex}")
{
    /// <summary>The participant.</summary>
    public string ParticipantId { get; } = participantId;

    /// <summary>The first chunk to send again.</summary>
    public int ChunkIndex { get; } = chunkIndex;
}

namespace SecAgg.Aggregator.Cluster.Staging;

/// <summary>What staging one chunk did.</summary>
public enum StageResult
{
    /// <summary>The chunk is now held.</summary>
    Staged,

    /// <summary>The same bytes were held already (a resend): nothing changed.</summary>
    AlreadyStaged,

    /// <summary>Other bytes, or another participant's, are held at that (round, upload, index): nothing changed.</summary>
    Conflict,
}

/// <summary>One staged chunk's index and SHA-256, as the store holds them.</summary>
/// <param name="Index">Chunk index.</param>
/// <param name="Participant">Who staged it.</param>
/// <param name="Sha256">SHA-256 of the payload.</param>
public sealed record StagedDigest(int Index, string Participant, byte[] Sha256);

/// <summary>
/// The staged upload chunks (the payload) of every round, in a store every silo reaches, so that a fold can run on any
/// silo and be re-run after the silo that started it died. Keyed by (round, upload id, chunk index); written once.
/// </summary>
public interface IStagedChunks
{
    /// <summary>Holds <paramref name="payload"/> at (round, upload, index) unless something is held there already.</summary>
    Task<StageResult> StageAsync(long round, Guid uploadId, string participant, int index, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default);

    /// <summary>The index, participant and SHA-256 of every chunk held for the upload, by index.</summary>
    Task<IReadOnlyList<StagedDigest>> DigestsAsync(long round, Guid uploadId, CancellationToken cancellationToken = default);

    /// <summary>The payloads of chunks [<paramref name="start"/>, <paramref name="end"/>) of the upload, by index.</summary>
    /// <exception cref="InvalidDataException">A chunk of the range is not held.</exception>
    Task<byte[][]> ReadAsync(long round, Guid uploadId, int start, int end, CancellationToken cancellationToken = default);

    /// <summary>Forgets every chunk staged for <paramref name="round"/> (once it was published or aborted); a no-op when none is held.</summary>
    Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default);
}

namespace SecAgg.Participant.Client;

/// <summary>The outcome of submitting an update.</summary>
/// <param name="Round">The round.</param>
/// <param name="UploadId">The upload id (hex).</param>
/// <param name="Chunks">Chunks of the upload.</param>
/// <param name="ChunksSent">Chunks sent by this call (fewer than <paramref name="Chunks"/> after a resume).</param>
/// <param name="BytesSent">Masked-upload bytes sent by this call.</param>
/// <param name="Attempts">Upload streams opened.</param>
public sealed record SubmitResult(ulong Round, string UploadId, int Chunks, int ChunksSent, long BytesSent, int Attempts);

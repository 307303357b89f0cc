namespace SecAgg.Aggregator.Accumulation;

/// <summary>The answer to an accepted chunk.</summary>
/// <param name="NextChunkIndex">The index to send next (equal to the total once all are held).</param>
/// <param name="AlreadyHeld">True when these exact bytes were already held (a resent chunk).</param>
/// <param name="Counted">True when the whole upload is now counted in the round's sum.</param>
/// <param name="Summands">The round's summand count after this chunk.</param>
public sealed record ChunkReceipt(int NextChunkIndex, bool AlreadyHeld, bool Counted, int Summands);

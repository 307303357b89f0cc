namespace SecAgg.Aggregator.Storage;

/// <summary>
/// What a round's sum is made of: its durable sum (the uploads sealed into it) and the counted uploads not sealed
/// yet, whose bytes are their staged chunks. The round's exact sum is the durable sum plus those uploads.
/// </summary>
/// <param name="Round">The round.</param>
/// <param name="ChunkCount">Chunks per upload (and per sum).</param>
/// <param name="SealedSummands">Uploads in the durable sum (0: there is none yet).</param>
/// <param name="Pending">Counted uploads not in the durable sum yet, by participant id (ordinal order).</param>
public sealed record SumContents(long Round, int ChunkCount, int SealedSummands, IReadOnlyList<string> Pending)
{
    /// <summary>Every counted upload: sealed and pending.</summary>
    public int Summands => SealedSummands + Pending.Count;
}

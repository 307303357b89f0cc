namespace SecAgg.Aggregator.Storage;

/// <summary>What staging a chunk found.</summary>
public enum StageOutcome
{
    /// <summary>The chunk was stored.</summary>
    Stored,

    /// <summary>The same bytes were already held at that index (a resent chunk): nothing changed.</summary>
    AlreadyHeld,

    /// <summary>Different bytes are already held at that index: nothing changed.</summary>
    Conflict,
}

/// <summary>Where an unfinished upload stands (for resuming after a broken stream).</summary>
/// <param name="Round">The round.</param>
/// <param name="ParticipantId">The participant.</param>
/// <param name="HeldChunks">Indices of the chunks held, ascending.</param>
/// <param name="Counted">True when the upload is already counted in the sum.</param>
public sealed record UploadProgress(long Round, string ParticipantId, IReadOnlyList<int> HeldChunks, bool Counted)
{
    /// <summary>The index the participant should send next: the first index not held (chunks arrive in order).</summary>
    public int NextChunkIndex
    {
        get
        {
            int next = 0;
            foreach (int i in HeldChunks)
            {
                if (i != next)
                {
                    break;
                }

                next++;
            }

            return next;
        }
    }
}

/// <summary>The result of counting one upload in a batch (<see cref="IAggregatorStore.CountUploadsAsync"/>).</summary>
/// <param name="ParticipantId">The participant.</param>
/// <param name="Round">The round state after the batch when this upload counted; null when it did not.</param>
/// <param name="Error">Why it did not count (<see cref="Rounds.RoundStateException"/>, <see cref="InvalidOperationException"/> when incomplete, <see cref="StagedChunkLostException"/>); null when it counted.</param>
public sealed record CountOutcome(string ParticipantId, Rounds.RoundState? Round, Exception? Error);

namespace SecAgg.Protocol.Epoch;

/// <summary>
/// The key epoch cannot go on: a commit or reveal of <see cref="ParticipantId"/> is missing, duplicated, altered or
/// forged, a reveal does not match its commit, or a share envelope from that dealer does not open. Nothing further
/// (no reveal, no seed, no plaintext) is produced; the epoch restarts with fresh commits.
/// </summary>
public sealed class KeyEpochException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KeyEpochException(string participantId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ParticipantId = participantId;
    }

    /// <summary>The participant whose commit, reveal or envelope failed.</summary>
    public string ParticipantId { get; }
}

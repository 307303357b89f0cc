namespace SecAgg.Protocol.Statements;

/// <summary>
/// A signed statement was refused. <see cref="Reason"/> says which check failed and the message says it for a person:
/// bad signature, signed by another participant's key, another epoch (replay), another consortium, wrong kind,
/// unknown participant, or malformed bytes.
/// </summary>
public sealed class StatementRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StatementRejectedException(StatementRejection reason, string? participantId, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        ParticipantId = participantId;
    }

    /// <summary>The check that failed.</summary>
    public StatementRejection Reason { get; }

    /// <summary>The participant id named inside the statement, or null when the bytes could not be read.</summary>
    public string? ParticipantId { get; }
}

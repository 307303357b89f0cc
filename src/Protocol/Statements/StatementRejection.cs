namespace SecAgg.Protocol.Statements;

/// <summary>Why <see cref="StatementVerifier"/> refused a signed statement.</summary>
public enum StatementRejection
{
    /// <summary>The bytes are not a canonical statement (length, header, unknown kind, trailing bytes, bad field).</summary>
    Malformed,

    /// <summary>The participant id inside the statement is not in the roster.</summary>
    UnknownParticipant,

    /// <summary>No certificate of that participant was admitted to the roster, so nothing can be verified.</summary>
    NoCertificate,

    /// <summary>The signature does not verify under the pinned key of the participant named inside (forged or altered).</summary>
    BadSignature,

    /// <summary>The signature verifies under another participant's key: a statement attributed to the wrong participant.</summary>
    CrossAttributed,

    /// <summary>Signed for another consortium (its digest differs from this consortium's).</summary>
    OtherConsortium,

    /// <summary>Signed for another key epoch (a replay).</summary>
    OtherEpoch,

    /// <summary>A statement of another kind than the one expected here.</summary>
    WrongKind,
}

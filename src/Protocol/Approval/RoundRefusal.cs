namespace SecAgg.Protocol.Approval;

/// <summary>Why a participant refuses to approve an upload list, or a member refuses a decryption session.</summary>
public enum RoundRefusal
{
    /// <summary>A statement did not verify (bad or cross-attributed signature, another epoch or consortium, wrong kind, unknown participant).</summary>
    StatementRejected,

    /// <summary>A statement is for another round.</summary>
    OtherRound,

    /// <summary>A participant appears twice (two commitments or two approvals).</summary>
    DuplicateStatement,

    /// <summary>An upload's weight is outside 1..max-weight.</summary>
    WeightOutOfRange,

    /// <summary>The commitments do not all have the same number of chunks.</summary>
    ChunkCountsDiffer,

    /// <summary>The approving participant's own commitment is not in the list.</summary>
    OwnCommitmentMissing,

    /// <summary>The list carries a commitment of the approving participant that is not the one it made for this round.</summary>
    OwnCommitmentAltered,

    /// <summary>|U| &lt; min-participants.</summary>
    TooFewUploads,

    /// <summary>|U| − c &lt; 1: no honest summand is guaranteed.</summary>
    NoHonestSummand,

    /// <summary>The participant already approved another list for this (epoch, round).</summary>
    AnotherListApproved,

    /// <summary>The participant's privacy ledger does not allow one more round with |U| − c honest summands.</summary>
    PrivacyBudgetExhausted,

    /// <summary>A member of U has no approval in the session.</summary>
    ApprovalMissing,

    /// <summary>A member of U approved another list than the session's.</summary>
    ApprovalOverAnotherList,

    /// <summary>An approval comes from a participant outside U.</summary>
    ApprovalFromOutsideSet,

    /// <summary>|D| ≠ t.</summary>
    DecryptionSetWrongSize,

    /// <summary>A member of D is not in the roster, or appears twice.</summary>
    DecryptionSetInvalid,

    /// <summary>The member asked to answer is not in D.</summary>
    MemberNotInDecryptionSet,

    /// <summary>The session's chunk count is not the one the member computes from its own consortium file.</summary>
    ChunkCountMismatch,

    /// <summary>The member's decryption ledger holds another session for this (epoch, round).</summary>
    ShareAlreadyIssued,

    /// <summary>Answering the session would exceed the member's share cap Q_cap for the key epoch (start a new key epoch).</summary>
    ShareBudgetExhausted,
}

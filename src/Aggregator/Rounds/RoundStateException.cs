namespace SecAgg.Aggregator.Rounds;

/// <summary>What a refused round transition ran into.</summary>
public enum RoundError
{
    /// <summary>The transition is not allowed from the round's current stage.</summary>
    WrongStage,

    /// <summary>A deadline has passed.</summary>
    DeadlinePassed,

    /// <summary>The participant is not enrolled in the consortium, not in U (approvals) or not in the decryption set.</summary>
    NotAMember,

    /// <summary>The participant's upload is already counted, or its share already arrived.</summary>
    Duplicate,

    /// <summary>The upload list (its digest) was already put up for approval in another round.</summary>
    ListReused,

    /// <summary>Too few participants (summands, or decryption set below the threshold).</summary>
    TooFewParticipants,

    /// <summary>Round numbers must follow on from the previous round, which must have finished.</summary>
    BadSequence,

    /// <summary>Opening the round could exceed the consortium's privacy budget.</summary>
    PrivacyBudgetExceeded,

    /// <summary>An argument is malformed.</summary>
    InvalidArgument,
}

/// <summary>A round transition was refused; the round is unchanged.</summary>
public sealed class RoundStateException(RoundError error, string message) : InvalidOperationException(message)
{
    /// <summary>What went wrong.</summary>
    public RoundError Error { get; } = error;
}

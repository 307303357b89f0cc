namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>Why a decryption share was refused (nothing changed).</summary>
[GenerateSerializer]
public enum ShareRefusal
{
    /// <summary>The round is not decrypting (not open, still collecting or approving, published or aborted).</summary>
    WrongStage,

    /// <summary>The sender is not in the round's decryption set D.</summary>
    NotInSet,

    /// <summary>The chunk index is outside the round's chunks.</summary>
    ChunkOutOfRange,

    /// <summary>The share is malformed, or not this member's share of this chunk in this round's session.</summary>
    Invalid,

    /// <summary>Other bytes are held for this member and chunk already.</summary>
    Conflicting,
}

/// <summary>The answer to one decryption share: stored (or a repeat), with the member's progress, or refused.</summary>
[GenerateSerializer, Immutable]
public sealed record ShareOutcome
{
    /// <summary>Whether the share is held.</summary>
    [Id(0)]
    public bool Accepted { get; init; }

    /// <summary>Whether the same share was held already (a resend; nothing changed).</summary>
    [Id(1)]
    public bool Repeated { get; init; }

    /// <summary>Chunks of the round the member has a share held for.</summary>
    [Id(2)]
    public int Held { get; init; }

    /// <summary>Whether every chunk is answered and the round grain recorded the member's shares complete.</summary>
    [Id(3)]
    public bool Complete { get; init; }

    /// <summary>Why it was refused; null when accepted.</summary>
    [Id(4)]
    public ShareRefusal? Refusal { get; init; }

    /// <summary>What was refused and what to do; for a share that was held, why the member's shares are not recorded complete (the round stopped decrypting); else null.</summary>
    [Id(5)]
    public string? Message { get; init; }

    /// <summary>Refused.</summary>
    public static ShareOutcome Refuse(ShareRefusal refusal, string message) => new() { Refusal = refusal, Message = message };
}

namespace SecAgg.Protocol.Statements;

/// <summary>What a signed statement says (the kind byte of the encoding, docs/threat-model.md "Statements").</summary>
public enum StatementKind : byte
{
    /// <summary>Key epoch step 1: SHA-256(r_i) and the fresh key-agreement public key.</summary>
    EpochCommit = 1,

    /// <summary>Key epoch step 2: r_i, sent only after all N commits verified.</summary>
    EpochReveal = 2,

    /// <summary>With an upload: round, upload id, weight, chunk count and the digest over the chunk digests.</summary>
    UploadCommitment = 3,

    /// <summary>After the uploads close: the round and the digest of the approved upload list.</summary>
    RoundApproval = 4,
}

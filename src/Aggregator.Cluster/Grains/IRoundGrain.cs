namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// One round (key: the round number): its stage machine (<see cref="Rounds.RoundLifecycle"/>), the admitted and counted
/// uploads with their signed commitments, the approvals, and the fold fan-out to the round's sum partitions. An upload is
/// counted only after every partition acknowledged folding it. Calls are refused with <see cref="RoundRefusedException"/>.
/// </summary>
public interface IRoundGrain : IGrainWithIntegerKey
{
    /// <summary>Opens the round (Open stage, collect deadline from the policy). Opening it again with the same parameters is a no-op.</summary>
    Task<RoundView> OpenAsync(RoundOpening opening);

    /// <summary>The round as it stands (deadlines are applied by the transitions, e.g. <see cref="CloseCollectionAsync"/>).</summary>
    Task<RoundView> GetAsync();

    /// <summary>
    /// Counts the upload that <paramref name="signedCommitment"/> (a serialized signed UploadCommitment) commits to: verified
    /// under the participant's pinned key, every chunk staged and matching its digest, before the collect deadline; then
    /// folded by every partition and counted. A resend after a failure re-drives the folds not yet acknowledged.
    /// </summary>
    Task<UploadOutcome> CompleteUploadAsync(byte[] signedCommitment);

    /// <summary>
    /// Finishes the folds of admitted uploads, then closes collection when everyone is in or the deadline passed
    /// (Approving, with U's list digest) or aborts the round (too few by the deadline).
    /// </summary>
    Task<RoundView> CloseCollectionAsync();

    /// <summary>The serialized signed commitments of U, in U's order (what each member of U is asked to approve).</summary>
    Task<byte[][]> GetCommitmentsAsync();

    /// <summary>Records a member of U's serialized signed RoundApproval of U's list digest.</summary>
    Task<RoundView> SubmitApprovalAsync(byte[] signedApproval);

    /// <summary>Fixes the decryption set D once every member of U approved.</summary>
    Task<RoundView> BeginDecryptionAsync(string[] decryptionSet);

    /// <summary>Records that <paramref name="member"/>'s decryption shares arrived.</summary>
    Task<RoundView> ReceiveSharesAsync(string member);

    /// <summary>Publishes the round as model version <paramref name="modelVersion"/> once every share arrived.</summary>
    Task<RoundView> PublishAsync(long modelVersion);

    /// <summary>Aborts the round; nothing of it is decrypted afterwards.</summary>
    Task<RoundView> AbortAsync(string reason);

    /// <summary>
    /// The aggregate, one serialized sum per chunk, once collection closed: gathered from the partitions, each checked to
    /// hold exactly U's uploads, each sum exactly |U| summands.
    /// </summary>
    Task<byte[][]> GetAggregateAsync();
}

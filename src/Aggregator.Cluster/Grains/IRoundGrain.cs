using Orleans.Concurrency;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// One round (key: the round number): its stage machine (<see cref="Rounds.RoundLifecycle"/>), the admitted and counted
/// uploads with their signed commitments, the approvals, and the fold fan-out to the round's sum partitions. An upload is
/// counted only after every partition acknowledged folding it. The round drives itself (an Orleans reminder, and a step
/// after each call that can move it): it closes collection when everyone is in or at the deadline, fixes D once every
/// member of U approved, combines and publishes once every member of D's shares are held, aborts at a deadline, and
/// deletes its staged chunks and shares once it finished. Calls are refused with <see cref="RoundRefusedException"/>.
/// </summary>
/// <remarks>
/// The reads (<see cref="GetAsync"/>, <see cref="GetOpeningAsync"/>, <see cref="GetUploadAsync"/>, <see cref="GetCommitmentsAsync"/>,
/// <see cref="GetApprovalsAsync"/>) interleave with the round's steps: a step that awaits another grain (the consortium's
/// ledger while publishing, the partitions while folding) neither delays the front ends' polls nor deadlocks with a grain
/// that reads this round while this round calls it (the consortium answering NextRoundAsync). A read sees the state at
/// one of the step's awaits: every field is whole, the step may not have reached the store yet.
/// </remarks>
public interface IRoundGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Opens the round (Open stage, collect deadline from the policy) and registers the reminder that drives it. When the
    /// opening carries the round's configuration (<see cref="RoundOpening.For"/>), it must rebuild the same parameter digest
    /// and chunk count on this silo. Opening it again with the same parameters is a no-op.
    /// </summary>
    Task<RoundView> OpenAsync(RoundOpening opening);

    /// <summary>The round as it stands (deadlines are applied by its steps: each reminder tick and each call that moves it).</summary>
    [AlwaysInterleave]
    Task<RoundView> GetAsync();

    /// <summary>What opened the round (a share worker rebuilds the round's parameters from it).</summary>
    [AlwaysInterleave]
    Task<RoundOpening> GetOpeningAsync();

    /// <summary>
    /// Counts the upload that <paramref name="signedCommitment"/> (a serialized signed UploadCommitment) commits to: verified
    /// under the participant's pinned key, every chunk staged and matching its digest, before the collect deadline; then
    /// folded by every partition and counted. A resend after a failure re-drives the folds not yet acknowledged.
    /// </summary>
    Task<UploadOutcome> CompleteUploadAsync(byte[] signedCommitment);

    /// <summary>The upload <paramref name="participant"/>'s verified commitment admitted in this round (its id, whether counted); null when none was admitted.</summary>
    [AlwaysInterleave]
    Task<UploadView?> GetUploadAsync(string participant);

    /// <summary>
    /// Finishes the folds of admitted uploads, then closes collection when everyone is in or the deadline passed
    /// (Approving, with U's list digest) or aborts the round (too few by the deadline). The round does this itself; a
    /// round that closed already is returned as it stands.
    /// </summary>
    Task<RoundView> CloseCollectionAsync();

    /// <summary>The serialized signed commitments of U, in U's order (what each member of U is asked to approve).</summary>
    [AlwaysInterleave]
    Task<byte[][]> GetCommitmentsAsync();

    /// <summary>
    /// Records a member of U's serialized signed RoundApproval of U's list digest. With the last one the round fixes D:
    /// exactly t enrolled participants, members of U first, then Shamir point order.
    /// </summary>
    Task<RoundView> SubmitApprovalAsync(byte[] signedApproval);

    /// <summary>The serialized signed RoundApprovals recorded so far, in U's order (what a member of D checks before answering).</summary>
    [AlwaysInterleave]
    Task<byte[][]> GetApprovalsAsync();

    /// <summary>
    /// Records whether <paramref name="participant"/> is here (false) or leaving (true), until D is fixed: D then takes those
    /// that said they are here first, those that said nothing next, those leaving last (members of U first, then Shamir point
    /// order, within each group). After D is fixed, or for a finished round, the report changes nothing.
    /// </summary>
    Task ReportPresenceAsync(string participant, bool leaving);

    /// <summary>
    /// Records <paramref name="member"/>'s shares complete once the shared store holds its share of every chunk (recounted
    /// there, so a resend or a re-drive after a silo died records it once). With the last member of D the round combines
    /// and publishes. Already recorded: the round as it stands.
    /// </summary>
    Task<RoundView> RecordSharesAsync(string member);

    /// <summary>Aborts the round; nothing of it is decrypted afterwards.</summary>
    Task<RoundView> AbortAsync(string reason);

    /// <summary>
    /// The aggregate, one serialized sum per chunk, once collection closed: gathered from the partitions, each checked to
    /// hold exactly U's uploads, each sum exactly |U| summands.
    /// </summary>
    Task<byte[][]> GetAggregateAsync();
}

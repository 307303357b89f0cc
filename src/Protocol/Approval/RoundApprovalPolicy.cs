using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Internal;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Approval;

/// <summary>
/// The uploader's side of "Approval" (docs/threat-model.md): after the uploads of round r close, the aggregator shows
/// each member of U the list of U's signed <see cref="UploadCommitment"/>s. The participant approves (signs a
/// <see cref="RoundApproval"/> over the list digest) only if
/// every statement verifies for this consortium, epoch and round (one per participant, weights in range, equal chunk
/// counts); its own commitment is there and is the one it made; |U| ≥ m and |U| − c ≥ 1 (m, c from its own
/// descriptor); it approved no other list for (epoch, r) — durably, in its <see cref="IApprovalRecord"/>, also across
/// restarts; and its privacy check allows one more round with |U| − c honest summands. The same list shown again gets
/// the approval again (without asking the privacy check a second time: that round was already counted).
/// The record is written before the approval is signed; a privacy delegate that also charges its ledger errs on the safe side.
/// </summary>
public sealed class RoundApprovalPolicy
{
    private readonly PinnedRoster _roster;
    private readonly StatementSigner _signer;
    private readonly IApprovalRecord _record;
    private readonly Func<int, bool> _privacyAllows;
    private readonly StatementVerifier _verifier;

    /// <summary>Creates the policy of participant <paramref name="participantId"/> for key epoch <paramref name="epoch"/>.</summary>
    /// <param name="roster">The participant's roster (its own descriptor, the admitted certificates).</param>
    /// <param name="signer">The participant's enrollment-key signer.</param>
    /// <param name="participantId">The participant's id.</param>
    /// <param name="epoch">The key epoch.</param>
    /// <param name="record">Where approved lists are remembered.</param>
    /// <param name="privacyAllows">Whether the participant's privacy ledger allows one more round with the given number of honest summands (|U| − c).</param>
    public RoundApprovalPolicy(PinnedRoster roster, StatementSigner signer, string participantId, ulong epoch, IApprovalRecord record, Func<int, bool> privacyAllows)
    {
        ArgumentNullException.ThrowIfNull(roster);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(privacyAllows);
        roster.Descriptor.RequireParticipant(participantId, nameof(participantId));

        _roster = roster;
        _signer = signer;
        ParticipantId = participantId;
        Epoch = epoch;
        _record = record;
        _privacyAllows = privacyAllows;
        _verifier = new StatementVerifier(roster, epoch);
    }

    /// <summary>The approving participant.</summary>
    public string ParticipantId { get; }

    /// <summary>The key epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>Decides whether to approve <paramref name="proposedList"/> for <paramref name="round"/>; on approval returns the signed <see cref="RoundApproval"/>.</summary>
    /// <param name="round">The round the aggregator asks about.</param>
    /// <param name="ownCommitment">The commitment this participant made for its upload of <paramref name="round"/> (from its own state).</param>
    /// <param name="proposedList">U's signed upload commitments as the aggregator proposes them (any order).</param>
    /// <exception cref="ArgumentException"><paramref name="ownCommitment"/> is not this participant's commitment for this consortium, epoch and round.</exception>
    public RoundDecision<SignedStatement> Decide(ulong round, UploadCommitment ownCommitment, IReadOnlyList<SignedStatement> proposedList)
    {
        ArgumentNullException.ThrowIfNull(ownCommitment);
        ArgumentNullException.ThrowIfNull(proposedList);
        if (ownCommitment.ParticipantId != ParticipantId || ownCommitment.Round != round || ownCommitment.Epoch != Epoch
            || !ownCommitment.ConsortiumDigest.Span.SequenceEqual(_roster.Descriptor.Digest.Span))
        {
            throw new ArgumentException($"The own commitment passed is {ownCommitment}, round {ownCommitment.Round}; it must be '{ParticipantId}''s for epoch {Epoch}, round {round} of this consortium.", nameof(ownCommitment));
        }

        try
        {
            return RoundDecision<SignedStatement>.Accept(Approve(round, ownCommitment, proposedList));
        }
        catch (RoundRefusedException e)
        {
            return RoundDecision<SignedStatement>.Refuse(e.Refusal, e.Message);
        }
    }

    private SignedStatement Approve(ulong round, UploadCommitment own, IReadOnlyList<SignedStatement> proposed)
    {
        ConsortiumDescriptor d = _roster.Descriptor;
        VerifiedUploadList list = VerifiedUploadList.Verify(_roster, _verifier, round, proposed);
        UploadCommitment? mine = list.Commitments.FirstOrDefault(c => c.ParticipantId == ParticipantId);
        if (mine is null)
        {
            throw new RoundRefusedException(RoundRefusal.OwnCommitmentMissing,
                $"The upload list for round {round} does not contain the commitment of '{ParticipantId}' (upload {own.UploadId}); a participant approves only a list that carries its own upload.");
        }

        if (!mine.Encode().AsSpan().SequenceEqual(own.Encode()))
        {
            throw new RoundRefusedException(RoundRefusal.OwnCommitmentAltered,
                $"The upload list for round {round} carries a commitment of '{ParticipantId}' (upload {mine.UploadId}, {mine.TotalChunks} chunks) that is not the one it made " +
                $"(upload {own.UploadId}, {own.TotalChunks} chunks).");
        }

        RoundSizes.Check(d, list.Count, round);
        byte[]? approved = _record.Find(Epoch, round);
        if (approved is not null && !approved.AsSpan().SequenceEqual(list.Digest))
        {
            throw AnotherList(round, approved, list.Digest);
        }

        if (approved is null)
        {
            int honest = list.Count - d.MaxColluders;
            if (!_privacyAllows(honest))
            {
                throw new RoundRefusedException(RoundRefusal.PrivacyBudgetExhausted,
                    $"The privacy ledger of '{ParticipantId}' does not allow round {round} with {list.Count} uploads ({honest} honest summands with c = {d.MaxColluders}).");
            }

            byte[] recorded = _record.RecordOnce(Epoch, round, list.Digest);
            if (!recorded.AsSpan().SequenceEqual(list.Digest))
            {
                throw AnotherList(round, recorded, list.Digest);
            }
        }

        return _signer.Sign(new RoundApproval(d.Digest.Span, Epoch, ParticipantId, round, list.Digest));
    }

    private RoundRefusedException AnotherList(ulong round, byte[] approved, byte[] proposed) => new(RoundRefusal.AnotherListApproved,
        $"'{ParticipantId}' already approved another upload list for epoch {Epoch}, round {round} (digest {DigestText.Short(approved)}; this one is {DigestText.Short(proposed)}); " +
        "a participant approves one list per round, so the aggregator cannot shrink or swap U afterwards.");
}

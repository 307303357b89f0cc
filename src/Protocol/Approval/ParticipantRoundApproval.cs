using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Approval;

/// <summary>
/// A participant's approval step of round r, wired (docs/threat-model.md, "Approval"): <see cref="RoundApprovalPolicy"/>
/// with its durable one-list-per-round record (<see cref="FileApprovalRecord"/> in <c>approvals/</c>) and its own privacy
/// ledger (<see cref="ParticipantPrivacyLedger"/> in <c>privacy/</c>) under the participant's 0700 state directory. The
/// ledger is charged |U| for the round, and the approval refused, when the composed ε with c colluders would exceed the
/// budget of the participant's own consortium file.
/// </summary>
public sealed class ParticipantRoundApproval
{
    private readonly ProtocolPreset _preset;
    private readonly PinnedRoster _roster;
    private readonly StatementSigner _signer;
    private readonly FileApprovalRecord _record;

    /// <summary>Creates the approval step of <paramref name="participantId"/> with its state under <paramref name="stateDirectory"/>.</summary>
    /// <exception cref="ArgumentException">The participant is not in the roster, or the preset belongs to another consortium.</exception>
    /// <exception cref="InvalidDataException">The privacy ledger is damaged or of another consortium file.</exception>
    public ParticipantRoundApproval(ProtocolPreset preset, PinnedRoster roster, StatementSigner signer, string participantId, string stateDirectory)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(roster);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDirectory);
        roster.Descriptor.RequireParticipant(participantId, nameof(participantId));
        if (!preset.Descriptor.Digest.Span.SequenceEqual(roster.Descriptor.Digest.Span))
        {
            throw new ArgumentException("The preset was planned from another consortium descriptor than the roster's.", nameof(preset));
        }

        _preset = preset;
        _roster = roster;
        _signer = signer;
        ParticipantId = participantId;
        _record = new FileApprovalRecord(Path.Combine(stateDirectory, "approvals"));
        PrivacyLedger = new ParticipantPrivacyLedger(Path.Combine(stateDirectory, "privacy"), preset);
    }

    /// <summary>The approving participant.</summary>
    public string ParticipantId { get; }

    /// <summary>Its privacy ledger (rounds approved, ε spent).</summary>
    public ParticipantPrivacyLedger PrivacyLedger { get; }

    /// <summary>
    /// Decides on the upload list the aggregator proposes for (<paramref name="epoch"/>, <paramref name="round"/>) (ApprovalRequest.commitments),
    /// given the commitment this participant made (<see cref="EncryptedUpload.Commitment"/>); on approval returns the signed
    /// RoundApproval (SubmitApproval). A refusal says why; nothing was signed or recorded (only a race between two processes of one
    /// site can leave the privacy ledger charged, which over-counts).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="ownCommitment"/> is not this participant's for this consortium, epoch and round.</exception>
    public RoundDecision<SignedStatement> Decide(ulong epoch, ulong round, UploadCommitment ownCommitment, IReadOnlyList<SignedStatement> proposedList)
    {
        int colluders = _preset.Descriptor.MaxColluders;
        var policy = new RoundApprovalPolicy(_roster, _signer, ParticipantId, epoch, _record, honest => PrivacyLedger.TryCharge(epoch, round, honest + colluders, out _));
        return policy.Decide(round, ownCommitment, proposedList);
    }
}

using System.Collections.Immutable;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Internal;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Approval;

/// <summary>
/// The member's side of "Session check" (docs/threat-model.md): before computing any decryption share for round r, member j
/// checks what the aggregator sent — U's signed upload commitments and approvals and the decryption set D — against its
/// own descriptor: every commitment verifies for this epoch and round (one per participant, equal chunk counts); |U| ≥ m and
/// |U| − c ≥ 1; every member of U approved exactly this list (none missing, none over another list, none from outside U);
/// D ⊆ roster without repeats, |D| = t, j ∈ D. Any failure is a refusal with the reason and no session.
/// The share ledger (one session per (epoch, r), Q_cap) is checked by whoever computes the shares, with <see cref="DecryptionSession.SessionDigest"/>.
/// </summary>
public sealed class DecryptionSessionPolicy
{
    private readonly PinnedRoster _roster;
    private readonly StatementVerifier _verifier;

    /// <summary>Creates the policy of member <paramref name="memberId"/> for key epoch <paramref name="epoch"/>.</summary>
    public DecryptionSessionPolicy(PinnedRoster roster, string memberId, ulong epoch)
    {
        ArgumentNullException.ThrowIfNull(roster);
        roster.Descriptor.RequireParticipant(memberId, nameof(memberId));

        _roster = roster;
        MemberId = memberId;
        Epoch = epoch;
        _verifier = new StatementVerifier(roster, epoch);
    }

    /// <summary>The checking member.</summary>
    public string MemberId { get; }

    /// <summary>The key epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>Checks a session request; on success returns the verified <see cref="DecryptionSession"/>.</summary>
    /// <param name="round">The round to decrypt.</param>
    /// <param name="commitments">U's signed upload commitments.</param>
    /// <param name="approvals">U's signed round approvals.</param>
    /// <param name="decryptionSet">D, as participant ids.</param>
    public RoundDecision<DecryptionSession> Check(ulong round, IReadOnlyList<SignedStatement> commitments, IReadOnlyList<SignedStatement> approvals, IReadOnlyList<string> decryptionSet)
    {
        ArgumentNullException.ThrowIfNull(commitments);
        ArgumentNullException.ThrowIfNull(approvals);
        ArgumentNullException.ThrowIfNull(decryptionSet);
        try
        {
            VerifiedUploadList uploads = VerifiedUploadList.Verify(_roster, _verifier, round, commitments);
            RoundSizes.Check(_roster.Descriptor, uploads.Count, round);
            CheckApprovals(round, uploads, approvals);
            ImmutableArray<int> d = CheckDecryptionSet(decryptionSet);
            return RoundDecision<DecryptionSession>.Accept(new DecryptionSession(_roster.Descriptor.Digest.Span, Epoch, round, uploads, d, _roster.Descriptor.IndexOf(MemberId) + 1));
        }
        catch (RoundRefusedException e)
        {
            return RoundDecision<DecryptionSession>.Refuse(e.Refusal, e.Message);
        }
    }

    private void CheckApprovals(ulong round, VerifiedUploadList uploads, IReadOnlyList<SignedStatement> approvals)
    {
        var uploaders = uploads.Commitments.Select(c => c.ParticipantId).ToHashSet(StringComparer.Ordinal);
        var approved = new HashSet<string>(StringComparer.Ordinal);
        foreach (SignedStatement s in approvals)
        {
            RoundApproval a = VerifiedUploadList.Checked(() => _verifier.Verify<RoundApproval>(s));
            if (a.Round != round)
            {
                throw new RoundRefusedException(RoundRefusal.OtherRound, $"The approval of '{a.ParticipantId}' is for round {a.Round}, not round {round}.");
            }

            if (!uploaders.Contains(a.ParticipantId))
            {
                throw new RoundRefusedException(RoundRefusal.ApprovalFromOutsideSet,
                    $"The session carries an approval of '{a.ParticipantId}', who has no upload in U for round {round}.");
            }

            if (!approved.Add(a.ParticipantId))
            {
                throw new RoundRefusedException(RoundRefusal.DuplicateStatement, $"The session carries two approvals of '{a.ParticipantId}' for round {round}.");
            }

            if (!a.ListDigest.Span.SequenceEqual(uploads.Digest))
            {
                throw new RoundRefusedException(RoundRefusal.ApprovalOverAnotherList,
                    $"'{a.ParticipantId}' approved another upload list for round {round} (digest {DigestText.Short(a.ListDigest.Span)}) than the session's U " +
                    $"({DigestText.Short(uploads.Digest)}); every member of U must approve exactly this list.");
            }
        }

        string[] missing = [.. uploads.Commitments.Select(c => c.ParticipantId).Where(id => !approved.Contains(id))];
        if (missing.Length > 0)
        {
            throw new RoundRefusedException(RoundRefusal.ApprovalMissing,
                $"No approval of this upload list for round {round} from {string.Join(", ", missing.Select(id => $"'{id}'"))}; every member of U must approve it before anything is decrypted.");
        }
    }

    private ImmutableArray<int> CheckDecryptionSet(IReadOnlyList<string> set)
    {
        ConsortiumDescriptor d = _roster.Descriptor;
        if (set.Count != d.Threshold)
        {
            throw new RoundRefusedException(RoundRefusal.DecryptionSetWrongSize,
                $"The decryption set has {set.Count} member{(set.Count == 1 ? "" : "s")}; it must have exactly t = {d.Threshold}.");
        }

        var parties = new SortedSet<int>();
        foreach (string id in set)
        {
            int index = id is null ? -1 : d.IndexOf(id);
            if (index < 0)
            {
                throw new RoundRefusedException(RoundRefusal.DecryptionSetInvalid, $"Decryption-set member '{id}' is not in the roster.");
            }

            if (!parties.Add(index + 1))
            {
                throw new RoundRefusedException(RoundRefusal.DecryptionSetInvalid, $"Decryption-set member '{id}' is listed twice.");
            }
        }

        if (!parties.Contains(d.IndexOf(MemberId) + 1))
        {
            throw new RoundRefusedException(RoundRefusal.MemberNotInDecryptionSet,
                $"'{MemberId}' is not in the decryption set ({string.Join(", ", set)}); it answers only sessions it is a member of.");
        }

        return [.. parties];
    }
}

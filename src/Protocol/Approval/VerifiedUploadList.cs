using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Approval;

/// <summary>
/// A round's upload list U after the checks both the approval and the session share: every commitment verifies
/// (pinned key, this consortium and epoch), is for this round, one per participant, with a weight in 1..max-weight and
/// the same chunk count as the others; put in roster order with its <see cref="UploadList"/> digest.
/// </summary>
internal sealed class VerifiedUploadList
{
    private VerifiedUploadList(IReadOnlyList<UploadCommitment> ordered, IReadOnlyList<int> indices)
    {
        Commitments = ordered;
        RosterIndices = indices;
        Digest = UploadList.DigestInRosterOrder(ordered);
        TotalChunks = ordered.Count == 0 ? 0 : ordered[0].TotalChunks;
    }

    /// <summary>U's commitments in roster order.</summary>
    public IReadOnlyList<UploadCommitment> Commitments { get; }

    /// <summary>U's roster positions (0-based), ascending.</summary>
    public IReadOnlyList<int> RosterIndices { get; }

    public byte[] Digest { get; }

    public int TotalChunks { get; }

    public int Count => Commitments.Count;

    /// <exception cref="RoundRefusedException">A check failed.</exception>
    public static VerifiedUploadList Verify(PinnedRoster roster, StatementVerifier verifier, ulong round, IReadOnlyList<SignedStatement> signed)
    {
        ArgumentNullException.ThrowIfNull(signed);
        ConsortiumDescriptor d = roster.Descriptor;
        var byIndex = new SortedDictionary<int, UploadCommitment>();
        foreach (SignedStatement s in signed)
        {
            UploadCommitment c = Checked(() => verifier.Verify<UploadCommitment>(s));
            if (c.Round != round)
            {
                throw new RoundRefusedException(RoundRefusal.OtherRound,
                    $"The upload commitment of '{c.ParticipantId}' is for round {c.Round}, not round {round}.");
            }

            if (!byIndex.TryAdd(d.IndexOf(c.ParticipantId), c))
            {
                throw new RoundRefusedException(RoundRefusal.DuplicateStatement,
                    $"The upload list carries more than one commitment of '{c.ParticipantId}' for round {round}; a participant is in U at most once.");
            }

            if (c.Weight > (ulong)d.MaxWeight)
            {
                throw new RoundRefusedException(RoundRefusal.WeightOutOfRange,
                    $"The upload of '{c.ParticipantId}' claims weight {c.Weight}; the consortium allows 1..{d.MaxWeight}.");
            }
        }

        List<UploadCommitment> ordered = [.. byIndex.Values];
        UploadCommitment? odd = ordered.FirstOrDefault(c => c.TotalChunks != ordered[0].TotalChunks);
        if (odd is not null)
        {
            throw new RoundRefusedException(RoundRefusal.ChunkCountsDiffer,
                $"The upload of '{odd.ParticipantId}' has {odd.TotalChunks} chunks but that of '{ordered[0].ParticipantId}' has {ordered[0].TotalChunks}; every upload of a round has the same chunks.");
        }

        return new VerifiedUploadList(ordered, [.. byIndex.Keys]);
    }

    /// <summary>Runs a statement check, turning its rejection into a <see cref="RoundRefusal.StatementRejected"/> refusal.</summary>
    public static T Checked<T>(Func<T> verify)
    {
        try
        {
            return verify();
        }
        catch (StatementRejectedException e)
        {
            throw new RoundRefusedException(RoundRefusal.StatementRejected, e.Message);
        }
    }
}

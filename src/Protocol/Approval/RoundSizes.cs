using SecAgg.Protocol.Identity;

namespace SecAgg.Protocol.Approval;

/// <summary>The size rules on U both the approval and the session enforce, from the participant's own descriptor.</summary>
internal static class RoundSizes
{
    /// <exception cref="RoundRefusedException">|U| &lt; m, or |U| − c &lt; 1.</exception>
    public static void Check(ConsortiumDescriptor d, int uploads, ulong round)
    {
        if (uploads < d.MinParticipants)
        {
            throw new RoundRefusedException(RoundRefusal.TooFewUploads,
                $"Round {round} has {uploads} upload{(uploads == 1 ? "" : "s")} in U; the consortium decrypts only sums of at least min-participants = {d.MinParticipants}.");
        }

        // Implied by |U| >= m for a valid descriptor (m - c >= 1); kept as the design's explicit rule.
        if (uploads - d.MaxColluders < 1)
        {
            throw new RoundRefusedException(RoundRefusal.NoHonestSummand,
                $"Round {round} has {uploads} uploads and up to c = {d.MaxColluders} may be colluders, leaving no honest summand.");
        }
    }
}

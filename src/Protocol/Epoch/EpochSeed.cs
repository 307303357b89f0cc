using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Epoch;

/// <summary>
/// The key epoch's public seed from all N signed commits and reveals (docs/threat-model.md, "Key epoch" step 3):
/// every statement verifies under its participant's pinned key for this consortium and epoch, each roster member exactly
/// once, every reveal matches its commit (SHA-256(r_j) = committed), then
/// <b>seed = SHA-256("secagg/v2/epoch-seed" ‖ consortium digest ‖ epoch (u64 LE) ‖ r_1 ‖ … ‖ r_N)</b> in roster order.
/// A participant gets it from its <see cref="EpochSeedBeacon"/> (which also checks its own commit); the aggregator, which
/// relays the reveals and so learns the seed too, derives it with <see cref="Derive"/> for the round polynomials and
/// rotation seeds of <see cref="RoundParameters"/>.
/// </summary>
public static class EpochSeed
{
    private static readonly byte[] Domain = "secagg/v2/epoch-seed"u8.ToArray();

    /// <summary>Verifies all N commits and reveals and derives the seed (formula in the class summary).</summary>
    /// <exception cref="KeyEpochException">A statement does not verify, is missing or repeated, or a reveal does not match its commit (names the participant).</exception>
    public static byte[] Derive(PinnedRoster roster, ulong epoch, IReadOnlyCollection<SignedStatement> commits, IReadOnlyCollection<SignedStatement> reveals)
    {
        ArgumentNullException.ThrowIfNull(roster);
        return FromVerifiedCommits(roster, epoch, VerifyAll<EpochCommit>(roster, epoch, commits, "commit"), reveals);
    }

    internal static byte[] FromVerifiedCommits(PinnedRoster roster, ulong epoch, EpochCommit[] commits, IReadOnlyCollection<SignedStatement> reveals)
    {
        EpochReveal[] ordered = VerifyAll<EpochReveal>(roster, epoch, reveals, "reveal");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Domain);
        hash.AppendData(roster.Descriptor.Digest.Span);
        Span<byte> epochBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(epochBytes, epoch);
        hash.AppendData(epochBytes);
        for (int i = 0; i < ordered.Length; i++)
        {
            if (!ordered[i].Matches(commits[i]))
            {
                throw new KeyEpochException(ordered[i].ParticipantId,
                    $"The epoch reveal of '{ordered[i].ParticipantId}' does not match its commit (SHA-256 of the revealed r differs from the committed one); the epoch is refused.");
            }

            hash.AppendData(ordered[i].SeedContribution.Span);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>All N statements of one kind, verified, in roster order.</summary>
    internal static T[] VerifyAll<T>(PinnedRoster roster, ulong epoch, IReadOnlyCollection<SignedStatement> signed, string what)
        where T : Statement
    {
        ArgumentNullException.ThrowIfNull(signed);
        ConsortiumDescriptor d = roster.Descriptor;
        var verifier = new StatementVerifier(roster, epoch);
        var ordered = new T[d.ParticipantCount];
        foreach (SignedStatement s in signed)
        {
            T statement;
            try
            {
                statement = verifier.Verify<T>(s);
            }
            catch (StatementRejectedException e)
            {
                string who = e.ParticipantId ?? "(unreadable)";
                throw new KeyEpochException(who, $"The epoch {what} of '{who}' was refused, so the epoch cannot complete: {e.Message}", e);
            }

            int index = d.IndexOf(statement.ParticipantId);
            if (ordered[index] is not null)
            {
                throw new KeyEpochException(statement.ParticipantId, $"Two epoch {what}s of '{statement.ParticipantId}' were presented for epoch {epoch}; each participant makes exactly one.");
            }

            ordered[index] = statement;
        }

        string[] missing = [.. d.Roster.Where((_, i) => ordered[i] is null).Select(e => e.ParticipantId)];
        if (missing.Length > 0)
        {
            throw new KeyEpochException(missing[0],
                $"No epoch {what} from {string.Join(", ", missing.Select(id => $"'{id}'"))} ({missing.Length} of {d.ParticipantCount} missing); all N are needed before the epoch goes on.");
        }

        return ordered;
    }
}

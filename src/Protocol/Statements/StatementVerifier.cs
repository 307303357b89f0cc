using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Internal;

namespace SecAgg.Protocol.Statements;

/// <summary>
/// Verifies signed statements for one consortium and key epoch. A statement is accepted only if it parses strictly,
/// names a participant of the roster whose certificate was admitted (<see cref="PinnedRoster.Admit"/>), its signature
/// verifies under THAT participant's pinned key, and its consortium digest, epoch and kind are the expected ones.
/// The signature is checked before the digest, epoch and kind, so "another epoch" or "another consortium" is only
/// ever said of a statement the participant really signed (a replay); anything else is a bad signature.
/// The expected consortium digest is the roster's own <see cref="ConsortiumDescriptor.Digest"/>.
/// </summary>
public sealed class StatementVerifier
{
    private readonly PinnedRoster _roster;

    /// <summary>Creates a verifier for statements of <paramref name="epoch"/> in the roster's consortium.</summary>
    public StatementVerifier(PinnedRoster roster, ulong epoch)
    {
        ArgumentNullException.ThrowIfNull(roster);
        _roster = roster;
        Epoch = epoch;
    }

    /// <summary>The expected key epoch.</summary>
    public ulong Epoch { get; }

    /// <summary>Verifies <paramref name="signed"/> as a <typeparamref name="T"/> and returns it.</summary>
    /// <exception cref="StatementRejectedException">Any check failed; <see cref="StatementRejectedException.Reason"/> says which.</exception>
    public T Verify<T>(SignedStatement signed)
        where T : Statement => (T)Verify(signed, KindOf<T>());

    /// <summary>Verifies <paramref name="signed"/> as a statement of <paramref name="expectedKind"/> and returns it.</summary>
    /// <exception cref="StatementRejectedException">Any check failed; <see cref="StatementRejectedException.Reason"/> says which.</exception>
    public Statement Verify(SignedStatement signed, StatementKind expectedKind)
    {
        ArgumentNullException.ThrowIfNull(signed);
        Statement s;
        try
        {
            s = Statement.Parse(signed.Statement.Span);
        }
        catch (InvalidDataException e)
        {
            throw new StatementRejectedException(StatementRejection.Malformed, null, $"A {expectedKind} statement was refused: {e.Message}", e);
        }

        string id = s.ParticipantId;
        string what = $"The {s.Kind} statement of '{id}'";
        if (_roster.Descriptor.IndexOf(id) < 0)
        {
            throw new StatementRejectedException(StatementRejection.UnknownParticipant, id,
                $"{what} was refused: '{id}' is not in the roster of consortium '{_roster.Descriptor.ConsortiumId}'.");
        }

        if (!IsSignedBy(id, signed, out bool admitted))
        {
            if (!admitted)
            {
                throw new StatementRejectedException(StatementRejection.NoCertificate, id,
                    $"{what} cannot be verified: no certificate of '{id}' has been admitted to the roster; fetch and admit its pinned certificate first.");
            }

            string? signer = _roster.AdmittedIds.FirstOrDefault(other => other != id && IsSignedBy(other, signed, out _));
            if (signer is not null)
            {
                throw new StatementRejectedException(StatementRejection.CrossAttributed, id,
                    $"{what} was refused: it is signed with the enrollment key of '{signer}', not of '{id}' (a statement attributed to another participant).");
            }

            throw new StatementRejectedException(StatementRejection.BadSignature, id,
                $"{what} was refused: its signature does not verify under the pinned certificate of '{id}' (forged, or altered after signing).");
        }

        ReadOnlySpan<byte> expected = _roster.Descriptor.Digest.Span;
        if (!s.ConsortiumDigest.Span.SequenceEqual(expected))
        {
            throw new StatementRejectedException(StatementRejection.OtherConsortium, id,
                $"{what} was refused: it was signed for another consortium (digest {DigestText.Short(s.ConsortiumDigest.Span)}, this consortium's is {DigestText.Short(expected)}).");
        }

        if (s.Epoch != Epoch)
        {
            throw new StatementRejectedException(StatementRejection.OtherEpoch, id,
                $"{what} was refused: it was signed for key epoch {s.Epoch}, not the current epoch {Epoch} (a replay).");
        }

        if (s.Kind != expectedKind)
        {
            throw new StatementRejectedException(StatementRejection.WrongKind, id,
                $"{what} was refused: this step takes only {expectedKind} statements.");
        }

        return s;
    }

    private bool IsSignedBy(string participantId, SignedStatement signed, out bool admitted) =>
        _roster.VerifySignature(participantId, signed.Statement.Span, signed.Signature.Span, out admitted);

    private static StatementKind KindOf<T>()
        where T : Statement
    {
        if (typeof(T) == typeof(EpochCommit))
        {
            return StatementKind.EpochCommit;
        }

        if (typeof(T) == typeof(EpochReveal))
        {
            return StatementKind.EpochReveal;
        }

        if (typeof(T) == typeof(UploadCommitment))
        {
            return StatementKind.UploadCommitment;
        }

        if (typeof(T) == typeof(RoundApproval))
        {
            return StatementKind.RoundApproval;
        }

        throw new ArgumentException($"Verify<{typeof(T).Name}>: use a concrete statement type or Verify(signed, kind).");
    }
}

using SecAgg.Participant.State;
using SecAgg.Protocol;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Participant.Client;

/// <summary>
/// The state directory's small file of a round's own signed upload commitment (<c>upload-round-R.commitment</c>, mode
/// 0600), written beside <see cref="ChunkFile"/> when the upload is saved, so that the approval step reads a few hundred
/// bytes instead of re-reading and re-hashing the whole saved upload (issue 17). The commitment is public (the
/// aggregator relays it to U); what matters is that it is the own, unchanged one: it is read strictly and its signature
/// verified under the site's own pinned certificate, and its participant and round must be the expected ones, so a
/// damaged or altered file is refused with a message saying what to do.
/// <para>File: "SAUC" ‖ version 1 ‖ <see cref="SignedStatement.Serialize"/>.</para>
/// </summary>
internal static class CommitmentFile
{
    private const byte Version = 1;

    private static ReadOnlySpan<byte> Magic => "SAUC"u8;

    /// <summary>The file name for a round.</summary>
    public static string Name(ulong round) => $"upload-round-{round}.commitment";

    /// <summary>Saves the upload's signed commitment (atomically, 0600).</summary>
    public static void Save(ParticipantState state, EncryptedUpload upload)
    {
        byte[] signed = upload.SignedCommitment.Serialize();
        byte[] bytes = new byte[Magic.Length + 1 + signed.Length];
        Magic.CopyTo(bytes);
        bytes[Magic.Length] = Version;
        signed.CopyTo(bytes, Magic.Length + 1);
        state.WriteFile(Name(upload.Commitment.Round), bytes);
    }

    /// <summary>The own commitment saved for <paramref name="round"/>, verified, or null when the file is absent (state
    /// written before this file existed: read the upload instead).</summary>
    /// <exception cref="InvalidDataException">The file is damaged, altered, or of another participant or round.</exception>
    public static UploadCommitment? Load(ParticipantState state, ulong round, PinnedRoster roster, string participantId)
    {
        byte[]? bytes = state.ReadFile(Name(round));
        if (bytes is null)
        {
            return null;
        }

        string path = Path.Combine(state.Directory, Name(round));
        string fix = $"delete it to have the approval read the saved upload ({ChunkFile.Name(round)}) instead";
        if (bytes.Length <= Magic.Length + 1 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic) || bytes[Magic.Length] != Version)
        {
            throw new InvalidDataException($"'{path}' is not a version-1 upload commitment file; {fix}.");
        }

        UploadCommitment verified;
        try
        {
            SignedStatement signed = SignedStatement.Deserialize(bytes.AsSpan(Magic.Length + 1));
            verified = new StatementVerifier(roster, UploadCommitment.Parse(signed.Statement.Span).Epoch).Verify<UploadCommitment>(signed);
        }
        catch (Exception e) when (e is InvalidDataException or StatementRejectedException)
        {
            throw new InvalidDataException($"'{path}' is damaged or altered ({e.Message}); {fix}.", e);
        }

        if (verified.ParticipantId != participantId || verified.Round != round)
        {
            throw new InvalidDataException($"'{path}' holds the commitment of '{verified.ParticipantId}' for round {verified.Round}, not of '{participantId}' for round {round}; {fix}.");
        }

        return verified;
    }
}

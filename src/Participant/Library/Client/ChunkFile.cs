using SecAgg.Participant.State;
using SecAgg.Protocol;

namespace SecAgg.Participant.Client;

/// <summary>
/// The state directory's file of a round's masked upload (<c>upload-round-R.chunks</c>, mode 0600): the chunks and the
/// signed commitment (<see cref="EncryptedUpload.Serialize"/>), written before anything is sent, so that a restarted
/// participant resumes the same upload instead of encrypting a second one, and approves its own commitment later.
/// </summary>
internal static class ChunkFile
{
    /// <summary>The file name for a round.</summary>
    public static string Name(ulong round) => $"upload-round-{round}.chunks";

    /// <summary>Saves a round's upload (streamed to the file chunk by chunk).</summary>
    public static void Save(ParticipantState state, EncryptedUpload upload) => state.WriteFile(Name(upload.Commitment.Round), upload.WriteTo);

    /// <summary>The upload saved for a round, or null.</summary>
    /// <exception cref="InvalidDataException">The file is damaged (the message says how to start afresh).</exception>
    public static EncryptedUpload? Load(ParticipantState state, ulong round)
    {
        byte[]? bytes = state.ReadFile(Name(round));
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return EncryptedUpload.Deserialize(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The saved upload of round {round} in '{state.Directory}' is damaged ({e.Message}); delete {Name(round)} and upload-round-{round}.json to start the round's upload afresh.", e);
        }
    }
}

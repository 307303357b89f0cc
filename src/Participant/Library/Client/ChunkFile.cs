using SecAgg.Participant.State;
using SecAgg.Protocol;

namespace SecAgg.Participant.Client;

/// <summary>
/// The state directory's file of a round's masked upload (<c>upload-round-R.chunks</c>, mode 0600): the chunks and the
/// signed commitment (the stored format of <see cref="EncryptedUpload"/>), written as the chunks are encrypted and before
/// anything is sent, so that a restarted participant resumes the same upload instead of encrypting a second one, and
/// approves its own commitment later. The upload is sent from the file, a chunk at a time.
/// </summary>
internal static class ChunkFile
{
    /// <summary>The file name for a round.</summary>
    public static string Name(ulong round) => $"upload-round-{round}.chunks";

    /// <summary>Encrypts the round's upload straight into its file (atomically: a crash leaves no partial file) and
    /// returns it as stored there (its chunks are read from the file, and checked, when sent).</summary>
    public static EncryptedUpload Create(ParticipantState state, UpdateEncryptor encryptor, ReadOnlyMemory<float> update, ulong weight, Guid uploadId, ulong round)
    {
        string path = Path.Combine(state.Directory, Name(round));
        EncryptedUpload? written = null;
        state.WriteFile(Name(round), stream => written = encryptor.EncryptToFile(update.Span, weight, uploadId, stream, path));
        return written ?? throw new InvalidOperationException($"The upload of round {round} was not saved in '{state.Directory}'.");
    }

    /// <summary>The upload saved for a round (read from its file when sent), or null.</summary>
    /// <exception cref="InvalidDataException">The file is damaged (the message says how to start afresh).</exception>
    public static EncryptedUpload? Load(ParticipantState state, ulong round)
    {
        string? path = state.ExistingFile(Name(round));
        if (path is null)
        {
            return null;
        }

        try
        {
            return EncryptedUpload.Open(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"The saved upload of round {round} in '{state.Directory}' is damaged ({e.Message}); delete {Name(round)} and upload-round-{round}.json to start the round's upload afresh.", e);
        }
    }
}

using SecAgg.Participant.State;
using SecAgg.Protocol;

namespace SecAgg.Participant.Client;

/// <summary>
/// The state directory's file of a round's masked upload (<c>upload-round-R.chunks</c>, mode 0600): the chunks and the
/// signed commitment (the stored format of <see cref="EncryptedUpload"/>), written as the chunks are encrypted and before
/// anything is sent, so that a restarted participant resumes the same upload instead of encrypting a second one, and
/// approves its own commitment later. The upload is sent from the file, a chunk at a time.
/// <para>Ended rounds' files are pruned when a new round's upload is made (<see cref="Create"/>): the upload files
/// (chunks, progress record, commitment) of every round R ≤ r − 2 are removed, so the directory holds at most two
/// rounds' uploads instead of one per round ever run (2.9 MB per round at N = 10, d = 10^6; 29 MB at d = 10^7); one of
/// those chunk files is not deleted but written over as round r's file, reusing its page-cache pages (issue 17). A
/// round two behind the one being uploaded has ended: the aggregator opens a round only after the previous one was
/// published or aborted. The approval record, the ledgers and the keys are never pruned here.</para>
/// </summary>
internal static class ChunkFile
{
    /// <summary>The file name for a round.</summary>
    public static string Name(ulong round) => $"{Prefix}{round}{ChunksExtension}";

    private const string Prefix = "upload-round-";
    private const string ChunksExtension = ".chunks";

    /// <summary>Encrypts the round's upload straight into its file (atomically: a crash leaves no partial file) and
    /// returns it as stored there (its chunks are read from the file, and checked, when sent).</summary>
    public static EncryptedUpload Create(ParticipantState state, UpdateEncryptor encryptor, ReadOnlyMemory<float> update, ulong weight, Guid uploadId, ulong round)
    {
        string path = Path.Combine(state.Directory, Name(round));
        EncryptedUpload? written = null;
        state.WriteFile(Name(round), stream => written = encryptor.EncryptToFile(update.Span, weight, uploadId, stream, path), reuse: PruneEnded(state, round));
        return written ?? throw new InvalidOperationException($"The upload of round {round} was not saved in '{state.Directory}'.");
    }

    /// <summary>Deletes the upload files of the rounds R ≤ <paramref name="round"/> − 2 (ended) and returns the name of
    /// one of their chunk files, left in place to be written over, or null.</summary>
    internal static string? PruneEnded(ParticipantState state, ulong round)
    {
        string? reuse = null;
        foreach (string name in state.FileNames(Prefix + "*"))
        {
            int dot = name.IndexOf('.', Prefix.Length);
            if (dot < 0 || !ulong.TryParse(name.AsSpan(Prefix.Length, dot - Prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong ended)
                || ended + 2 > round || name.AsSpan(dot) is not (ChunksExtension or ".json" or ".commitment"))
            {
                continue;
            }

            if (reuse is null && name.EndsWith(ChunksExtension, StringComparison.Ordinal))
            {
                reuse = name;
                continue;
            }

            state.DeleteFile(name);
        }

        return reuse;
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

using SecAgg.Crypto.Internal;
using SecAgg.Participant.Client;
using SecAgg.Participant.State;

namespace SecAgg.Participant.Tests.Client;

/// <summary>
/// Ended rounds' upload files are pruned when a new round's upload is made (<see cref="ChunkFile"/>): every file of a
/// round R ≤ r − 2 goes, except one chunk file, which is written over as round r's (<see cref="DurableFile"/> with reuse:
/// the target gets exactly the new bytes, mode 0600, and the reused file is gone); nothing else in the state directory
/// is touched.
/// </summary>
public sealed class UploadFilePruningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("secagg-prune-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ARoundTwoBehindIsPrunedAndOneOfItsChunkFilesIsKeptForReuse()
    {
        ParticipantState state = ParticipantState.Open(_dir);
        for (ulong round = 1; round <= 4; round++)
        {
            foreach (string extension in new[] { ".chunks", ".json", ".commitment" })
            {
                state.WriteFile($"upload-round-{round}{extension}", [1, 2, 3]);
            }
        }

        string[] untouched = ["epoch-1.keys", "approval-round-1.bin", "upload-round-x.chunks", "upload-round-2.chunks.bak", "upload-round-1"];
        foreach (string name in untouched)
        {
            state.WriteFile(name, [9]);
        }

        string? reuse = ChunkFile.PruneEnded(state, 4);

        Assert.NotNull(reuse);
        Assert.Matches(@"^upload-round-[12]\.chunks$", reuse);
        string[] left = [.. state.FileNames("*").Order(StringComparer.Ordinal)];
        string[] expected = [.. untouched, reuse!, .. new[] { 3, 4 }.SelectMany(r => new[] { $"upload-round-{r}.chunks", $"upload-round-{r}.json", $"upload-round-{r}.commitment" })];
        Assert.Equal(expected.Order(StringComparer.Ordinal), left);
        Assert.Null(ChunkFile.PruneEnded(state, 2)); // nothing ended two rounds before round 2
    }

    [Fact]
    public void AReusedFileBecomesTheTargetWithExactlyTheNewBytes()
    {
        ParticipantState state = ParticipantState.Open(_dir);
        state.WriteFile("old.chunks", [.. Enumerable.Repeat((byte)7, 10_000)]);
        byte[] content = [.. Enumerable.Range(0, 4_000).Select(i => (byte)i)];
        state.WriteFile("new.chunks", s => s.Write(content), reuse: "old.chunks");

        Assert.Equal(content, File.ReadAllBytes(Path.Combine(_dir, "new.chunks")));
        Assert.False(File.Exists(Path.Combine(_dir, "old.chunks")));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "new.chunks")));
        }

        // A reuse that is gone meanwhile: a new file, the same result.
        state.WriteFile("third.chunks", s => s.Write(content), reuse: "missing.chunks");
        Assert.Equal(content, File.ReadAllBytes(Path.Combine(_dir, "third.chunks")));
    }

    [Fact]
    public void AFailedWriteIntoAReusedFileLeavesTheTargetAloneAndNoTemporaryFile()
    {
        ParticipantState state = ParticipantState.Open(_dir);
        state.WriteFile("target.chunks", [5, 5]);
        state.WriteFile("old.chunks", [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => state.WriteFile("target.chunks", _ => throw new InvalidOperationException("encryption failed"), reuse: "old.chunks"));
        Assert.Equal([5, 5], File.ReadAllBytes(Path.Combine(_dir, "target.chunks")));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
    }
}

using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Participant.State;
using SecAgg.Protocol;

namespace SecAgg.Participant.Tests.Client;

/// <summary>
/// The approval reads the own commitment from its small file (issue 17) instead of the whole saved upload: the file holds
/// exactly the signed commitment of the saved upload, an altered file is refused before anything is signed, and state
/// written before the file existed (no file) is approved from the saved upload, the file being written then.
/// Real aggregator service, N = 3, the NOT SECURE test preset.
/// </summary>
public sealed class SavedCommitmentTests : IDisposable
{
    private const int Dimension = 300;
    private static readonly string[] Ids = ["hospital-1", "hospital-2", "hospital-3"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-commitment-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task TheApprovalUsesTheSavedCommitmentRefusesAnAlteredOneAndFallsBackToTheUploadWithoutIt()
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, Dimension);
        await using AggregatorHost host = await TestConsortium.StartAsync(files, Dimension);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        ParticipantClient[] clients = [.. Ids.Select(id => TestConsortium.Client(files, _root, id, host.Address))];
        try
        {
            await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
            await Task.WhenAll(clients.Select((c, i) => c.SubmitAsync(Update(i), 1, cancellationToken: timeout.Token)));

            ParticipantState state = ParticipantState.Open(Path.Combine(_root, "state", Ids[0]));
            string file = Path.Combine(state.Directory, CommitmentFile.Name(1));
            byte[] saved = File.ReadAllBytes(file);
            EncryptedUpload upload = ChunkFile.Load(state, 1)!;
            Assert.Equal([.. "SAUC"u8.ToArray(), 1, .. upload.SignedCommitment.Serialize()], saved);

            // One bit of the signature flipped: refused before the approval request is even fetched.
            byte[] altered = (byte[])saved.Clone();
            altered[^1] ^= 1;
            File.WriteAllBytes(file, altered);
            var refused = await Assert.ThrowsAsync<InvalidDataException>(() => clients[0].ApproveAsync(1, timeout.Token));
            Assert.Contains("damaged or altered", refused.Message, StringComparison.Ordinal);
            Assert.Contains(CommitmentFile.Name(1), refused.Message, StringComparison.Ordinal);

            // Another participant's commitment under this participant's name: refused as well.
            File.Copy(Path.Combine(_root, "state", Ids[1], CommitmentFile.Name(1)), file, overwrite: true);
            refused = await Assert.ThrowsAsync<InvalidDataException>(() => clients[0].ApproveAsync(1, timeout.Token));
            Assert.Contains("holds the commitment of 'hospital-2'", refused.Message, StringComparison.Ordinal);

            // State from before the file existed: the approval reads the saved upload, approves and writes the file.
            File.Delete(file);
            RoundAnswer[] approvals = await Task.WhenAll(clients.Select(c => c.ApproveAsync(1, timeout.Token)));
            Assert.All(approvals, a => Assert.True(a.Done, a.Detail));
            Assert.Equal(saved, File.ReadAllBytes(file));
        }
        finally
        {
            foreach (ParticipantClient c in clients)
            {
                c.Dispose();
            }
        }
    }

    private static float[] Update(int i) => [.. Enumerable.Range(0, Dimension).Select(j => (float)(0.01 * Math.Sin(i + j)))];
}

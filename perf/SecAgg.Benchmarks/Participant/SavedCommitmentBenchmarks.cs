using BenchmarkDotNet.Attributes;
using SecAgg.Benchmarks.Protocol;
using SecAgg.Participant.Client;
using SecAgg.Participant.State;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;

namespace SecAgg.Benchmarks.Participant;

/// <summary>
/// What the approval step reads to get the own commitment (issue 17), at N = 10, d = 10^6, from a 0600 state directory
/// written as the client writes it: <see cref="FromSavedUpload"/> (the old path and the fallback: the whole
/// upload-round-R.chunks read, checksummed and parsed) against <see cref="FromCommitmentFile"/> (the small
/// upload-round-R.commitment read and its signature verified under the own pinned certificate). Same run, same machine.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*SavedCommitment*'
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.InProcessShortConfig))]
[MemoryDiagnoser]
public class SavedCommitmentBenchmarks
{
    private BenchmarkRound _round = null!;
    private ParticipantState _state = null!;

    /// <summary>Model size d.</summary>
    [Params(1_000_000)]
    public int Dimension { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _round = BenchmarkRound.ForUploads(10, Dimension);
        _state = ParticipantState.Open(Path.Combine(Path.GetTempPath(), $"secagg-saved-commitment-{Environment.ProcessId}"));
        EncryptedUpload upload = ChunkFile.Create(_state, _round.CreateEncryptor(), new float[Dimension], 1, Guid.NewGuid(), _round.Round.Round);
        CommitmentFile.Save(_state, upload);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Directory.Delete(_state.Directory, recursive: true);
        _round.Dispose();
    }

    [Benchmark(Baseline = true)]
    public UploadCommitment FromSavedUpload() => ChunkFile.Load(_state, _round.Round.Round)!.Commitment;

    [Benchmark]
    public UploadCommitment FromCommitmentFile() => CommitmentFile.Load(_state, _round.Round.Round, _round.Roster, _round.Ids[0])!;
}

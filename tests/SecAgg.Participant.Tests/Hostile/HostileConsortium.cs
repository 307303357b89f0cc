using Google.Protobuf;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Participant.Tests.Client;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Participant.Tests.Hostile;

/// <summary>
/// N = 3 sites (hospital-1..3, the last one the victim of the hostile tests), t and m from the arguments, the real
/// aggregator on loopback and the <see cref="HostileAggregator"/> in front of it; the REAL participant library
/// (<see cref="ParticipantClient"/>) connects to the hostile one. NOT SECURE test preset, so rounds take milliseconds.
/// </summary>
internal sealed class HostileConsortium : IAsyncDisposable
{
    public const int Dimension = 300;
    public static readonly string[] Ids = ["hospital-1", "hospital-2", "hospital-3"];
    public const string Victim = "hospital-3";

    private HostileConsortium(string root, ConsortiumLayout files, AggregatorHost real, HostileAggregator hostile)
    {
        Root = root;
        Files = files;
        Real = real;
        Hostile = hostile;
        Clients = [.. Ids.Select(id => TestConsortium.Client(files, root, id, hostile.Address, maxTransientAttempts: 2))];
    }

    public string Root { get; }

    public ConsortiumLayout Files { get; }

    public AggregatorHost Real { get; }

    public HostileAggregator Hostile { get; }

    public ParticipantClient[] Clients { get; }

    public ParticipantClient VictimClient => Clients[2];

    /// <summary>The victim's state directory.</summary>
    public string VictimState => StateOf(Victim);

    public static async Task<HostileConsortium> StartAsync(int threshold = 2)
    {
        string root = Path.Combine(Path.GetTempPath(), "secagg-hostile-" + Guid.NewGuid().ToString("N"));
        ConsortiumLayout files = TestConsortium.Init(root, Ids, Dimension, threshold: threshold, rounds: 3);
        AggregatorHost real = await TestConsortium.StartAsync(files, Dimension);
        HostileAggregator hostile = await HostileAggregator.StartAsync(files, real.Address);
        return new HostileConsortium(root, files, real, hostile);
    }

    public string StateOf(string id) => Path.Combine(Root, "state", id);

    /// <summary>A signer with <paramref name="id"/>'s enrollment key (a colluding site, or a statement the adversary recorded).</summary>
    public StatementSigner SignerOf(string id) =>
        new(AggregatorHostOptions.LoadCertificate(Files.Participants[id].Certificate, Files.Participants[id].Key!));

    /// <summary>Everyone joins through the hostile aggregator (honest so far).</summary>
    public async Task JoinAllAsync(CancellationToken ct) => await Task.WhenAll(Clients.Select(c => c.JoinAsync(ct)));

    /// <summary>
    /// Everyone joins; returns how the victim's join ended (the others are stopped once it did: they wait for the victim).
    /// </summary>
    public async Task<Exception?> VictimJoinAsync(CancellationToken ct)
    {
        using var others = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task[] honest = [.. Clients[..2].Select(c => c.JoinAsync(others.Token))];
        Exception? victim = await Record.ExceptionAsync(() => VictimClient.JoinAsync(ct));
        others.Cancel();
        await Task.WhenAll(honest.Select(t => Record.ExceptionAsync(() => t)));
        return victim;
    }

    /// <summary>Site i's update (distinct per site).</summary>
    public static float[] Update(int i) => [.. Enumerable.Range(0, Dimension).Select(j => (float)(0.02 * Math.Sin((3 * i) + (0.1 * j))))];

    /// <summary>Everyone joins and submits <see cref="Update"/> to <paramref name="round"/>.</summary>
    public async Task JoinAndSubmitAllAsync(ulong round, CancellationToken ct)
    {
        await JoinAllAsync(ct);
        await SubmitAllAsync(round, ct);
    }

    public async Task SubmitAllAsync(ulong round, CancellationToken ct) =>
        await Task.WhenAll(Clients.Select((c, i) => c.SubmitAsync(Update(i), 1, round, ct)));

    /// <summary>SHA-256 of every file under a state directory (ledgers, approval record, privacy ledger, keys), by relative path.</summary>
    public static Dictionary<string, string> Snapshot(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(directory, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);

    /// <summary>Asserts that the victim sent no reveal, dealt no share and holds no epoch keys.</summary>
    public void AssertVictimRevealedAndDealtNothing()
    {
        Assert.Empty(Hostile.Sent<SubmitStatementRequest>(Victim, "SubmitReveal"));
        Assert.Empty(Hostile.Sent<ThresholdShareBlob>(Victim, "UploadThresholdShares"));
        Assert.Empty(Directory.EnumerateFiles(VictimState, "epoch-*.keys"));
    }

    public static SignedStatement FromWire(Proto.V1.SignedStatement s) => StatementContract.FromContract(s);

    public static Proto.V1.SignedStatement ToWire(SignedStatement s) => StatementContract.ToContract(s);

    public static Proto.V1.SignedStatement WithStatement(Proto.V1.SignedStatement s, byte[] statement) =>
        new() { Statement = ByteString.CopyFrom(statement), Signature = s.Signature };

    public async ValueTask DisposeAsync()
    {
        foreach (ParticipantClient c in Clients)
        {
            c.Dispose();
        }

        await Hostile.DisposeAsync();
        await Real.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}

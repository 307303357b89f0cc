using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Protocol.Epoch;

namespace SecAgg.Participant.Tests.Client;

/// <summary>
/// <see cref="RoundKeys"/>: the keys a round's upload loads serve its decryption answer (one load per round), and they
/// are wiped once the round's work is over and no step uses them, or when the client goes; kept between rounds (the
/// client's default), one load serves every round of the epoch until another epoch's keys replace it. Real epoch keys of
/// hospital-1 from a join against the real aggregator (N = 3, the NOT SECURE test preset).
/// </summary>
public sealed class RoundKeysTests : IDisposable
{
    private const int Dimension = 100;
    private static readonly string[] Ids = ["hospital-1", "hospital-2", "hospital-3"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-round-keys-" + Guid.NewGuid().ToString("N"));
    private readonly List<EpochKeys> _loaded = [];
    private ConsortiumLayout? _files;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task TheUploadsKeysServeItsDecryptionAndAreWipedWhenTheRoundIsOver()
    {
        await JoinAsync();
        var keys = new RoundKeys(Load);
        EpochKeys upload;
        using (RoundKeys.Lease lease = keys.ForUpload(1, 1))
        {
            upload = lease.Keys;
        }

        using (RoundKeys.Lease lease = keys.ForDecryption(1, 1))
        {
            Assert.Same(upload, lease.Keys);
            keys.Release(1);
            Assert.NotEmpty(lease.Keys.Secret.Serialize()); // still in use by the decryption: not wiped yet
        }

        Assert.Single(_loaded);
        Assert.Throws<ObjectDisposedException>(() => upload.Secret.Serialize());

        // Without a kept set (e.g. after a restart) the decryption loads its own keys and wipes them when done.
        using (RoundKeys.Lease lease = keys.ForDecryption(1, 2))
        {
            Assert.NotSame(upload, lease.Keys);
        }

        Assert.Equal(2, _loaded.Count);
        Assert.Throws<ObjectDisposedException>(() => _loaded[1].Secret.Serialize());
    }

    [Fact]
    public async Task TheNextUploadReusesTheKeptKeysAndDisposingTheOwnerWipesThem()
    {
        await JoinAsync();
        var keys = new RoundKeys(Load);
        keys.ForUpload(1, 1).Dispose();
        keys.ForUpload(1, 2).Dispose();
        keys.Release(1); // round 1's answer never came; the set now serves round 2 and stays
        Assert.Single(_loaded);
        Assert.NotEmpty(_loaded[0].Secret.Serialize());

        keys.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _loaded[0].Secret.Serialize());
    }

    [Fact]
    public async Task KeptBetweenRoundsTheKeysServeEveryRoundOfTheirEpochUntilAnotherEpochReplacesThem()
    {
        await JoinAsync();
        var keys = new RoundKeys(Load, keepBetweenRounds: true);
        EpochKeys first;
        using (RoundKeys.Lease lease = keys.ForUpload(1, 1))
        {
            first = lease.Keys;
        }

        using (RoundKeys.Lease lease = keys.ForDecryption(1, 1))
        {
            Assert.Same(first, lease.Keys);
        }

        keys.Release(1);
        Assert.NotEmpty(first.Secret.Serialize()); // round 1 is over; the keys stay for round 2

        // Round 2: a decryption answer without an upload in this process, then an upload: no new load.
        using (RoundKeys.Lease lease = keys.ForDecryption(1, 2))
        {
            Assert.Same(first, lease.Keys);
        }

        keys.Release(2);
        keys.ForUpload(1, 3).Dispose();
        Assert.Single(_loaded);

        // Another epoch's keys replace them: the old set is wiped once its last use ends.
        RoundKeys.Lease stillUsed = keys.ForUpload(1, 4);
        using (RoundKeys.Lease next = keys.ForUpload(2, 5))
        {
            Assert.NotSame(first, next.Keys);
            Assert.NotEmpty(first.Secret.Serialize()); // the round-4 step still uses it
        }

        stillUsed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => first.Secret.Serialize());
        Assert.Equal(2, _loaded.Count);
        Assert.NotEmpty(_loaded[1].Secret.Serialize());

        keys.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _loaded[1].Secret.Serialize());
    }

    [Fact]
    public async Task KeptBetweenRoundsADecryptionAnswerWithoutAnUploadKeepsItsLoadForTheNextRound()
    {
        await JoinAsync();
        var keys = new RoundKeys(Load, keepBetweenRounds: true);
        keys.ForDecryption(1, 7).Dispose(); // e.g. after a restart: the answer loads the keys
        keys.Release(7);
        keys.ForUpload(1, 8).Dispose();
        Assert.Single(_loaded);
        Assert.NotEmpty(_loaded[0].Secret.Serialize());
        keys.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _loaded[0].Secret.Serialize());
    }

    /// <summary>Reads hospital-1's keys of epoch 1 (the only epoch joined) for any <paramref name="epoch"/>: RoundKeys
    /// tells sets apart by the epoch it asked for.</summary>
    private EpochKeys Load(ulong epoch)
    {
        _ = epoch;
        var aggregation = SecAgg.Protocol.Consortium.ConsortiumConfigLoader.Load(_files!.ConsortiumFile).Preset.Aggregation;
        EpochKeys keys = EpochKeys.Deserialize(aggregation, Ids[0], 1, File.ReadAllBytes(Path.Combine(_root, "state", Ids[0], KeyEpochJoin.KeysFile(1))));
        _loaded.Add(keys);
        return keys;
    }

    private async Task JoinAsync()
    {
        _files = TestConsortium.Init(_root, Ids, Dimension);
        await using AggregatorHost host = await TestConsortium.StartAsync(_files, Dimension);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        ParticipantClient[] clients = [.. Ids.Select(id => TestConsortium.Client(_files, _root, id, host.Address))];
        try
        {
            await Task.WhenAll(clients.Select(c => c.JoinAsync(timeout.Token)));
        }
        finally
        {
            foreach (ParticipantClient c in clients)
            {
                c.Dispose();
            }
        }
    }
}

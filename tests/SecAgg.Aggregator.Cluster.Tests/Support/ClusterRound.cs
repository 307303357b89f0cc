using SecAgg.Protocol.Statements;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Protocol;
using SecAgg.Protocol.Tests.V2;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// Round 1 of a 4-site consortium (t = 3, c = 1, m = 2, BFV, the insecure test preset) on a 3-silo cluster: every site's
/// masked upload is made up front from seeded updates, the initial model (version 0, seeded) is held and the round is
/// open; the test drives the rest.
/// </summary>
internal sealed class ClusterRound : IAsyncDisposable
{
    public const long Number = 1;

    private ClusterRound(InProcessRound consortium, ClusterHarness harness, RoundParameters round, float[] initialModel, float[][] updates, (InProcessRound.Site Site, EncryptedUpload Upload)[] uploads)
    {
        InitialModel = initialModel;
        Consortium = consortium;
        Harness = harness;
        Round = round;
        Updates = updates;
        Uploads = uploads;
    }

    public InProcessRound Consortium { get; }

    public ClusterHarness Harness { get; }

    public ClusterDriver Driver => Harness.Driver;

    public RoundParameters Round { get; }

    public float[] InitialModel { get; }

    public float[][] Updates { get; }

    public (InProcessRound.Site Site, EncryptedUpload Upload)[] Uploads { get; }

    public EncryptedUpload Upload(int site) => Uploads[site].Upload;

    public static async Task<ClusterRound> OpenAsync(string backend, int seed, TimeProvider? clock = null)
    {
        InProcessRound r = InProcessRound.Create(4, 3, 1, 2, HeScheme.Bfv);
        try
        {
            ClusterHarness harness = await ClusterHarness.StartAsync(r, backend, clock: clock);
            RoundParameters round = r.Announce((ulong)Number);
            float[][] updates = Rounds.Updates(4, seed);
            float[] initial = Rounds.Updates(1, seed + 1000)[0];
            var result = new ClusterRound(r, harness, round, initial, updates, InProcessRound.UploadAll(round, r.Sites, updates));
            await result.Driver.OpenAsync(round, initial);
            return result;
        }
        catch
        {
            r.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Closes, approves, D (which the cluster fixes: <paramref name="decryptionSet"/>) answers, the cluster publishes; the
    /// aggregate must be exactly the first <paramref name="counted"/> sites' uploads and the model the initial one plus their mean.
    /// </summary>
    public async Task FinishAndCheckAsync(string[] decryptionSet, int counted = 4)
    {
        var uploads = Uploads[..counted];
        (SignedStatement[] approvals, string[] fixedSet) = await Driver.ApproveAsync(Consortium, Round, uploads);
        Assert.Equal(decryptionSet, fixedSet);
        Dictionary<string, byte[][]> shares = ClusterDriver.Answer(Consortium, Round, uploads, approvals, fixedSet);
        await Driver.SendAllSharesAsync(Number, shares);

        await CheckPublishedAsync(fixedSet, shares, [.. Enumerable.Range(0, counted)]);
    }

    /// <summary>Every site uploads, every member of U approves and the cluster fixes D: the approvals, D and each member of D's shares.</summary>
    public async Task<(SignedStatement[] Approvals, string[] DecryptionSet, Dictionary<string, byte[][]> Shares)> DecryptingAsync()
    {
        foreach (var u in Uploads)
        {
            await Driver.UploadAsync(Number, u.Upload);
        }

        (SignedStatement[] approvals, string[] decryptionSet) = await Driver.ApproveAsync(Consortium, Round, Uploads);
        return (approvals, decryptionSet, ClusterDriver.Answer(Consortium, Round, Uploads, approvals, decryptionSet));
    }

    /// <summary>
    /// Waits for the cluster to publish; the aggregate must be exactly the uploads of <paramref name="sites"/> (indexes) and
    /// the model the initial one plus their mean. Returns the model.
    /// </summary>
    public async Task<PublishedModel> CheckPublishedAsync(string[] decryptionSet, Dictionary<string, byte[][]> shares, params int[] sites)
    {
        var uploads = sites.Select(i => Uploads[i]).ToArray();
        float[][] updates = [.. sites.Select(i => Updates[i])];
        (byte[][] aggregate, uint[][] values, PublishedModel model) = await Driver.PublishedAsync(Round, uploads, decryptionSet, shares);
        Rounds.AssertSumOfExactly(Consortium, Round, uploads, updates, aggregate, values);
        Rounds.AssertPublished(Round, InitialModel, updates, values, model);

        // The privacy ledger recorded the round's spend with its actual summand count, once, before the model was released.
        SpentRound spent = Assert.Single(await ClusterDriver.RetryAsync(Driver.Consortium.GetLedgerAsync));
        Assert.Equal((Number, sites.Length), (spent.Round, spent.Summands));
        Assert.Equal(spent.EpsilonRound, spent.EpsilonTotal);
        return model;
    }

    /// <summary>Waits until the store holds none of the round's staged chunks and none of its shares.</summary>
    public async Task AssertDeletedAsync(string[] decryptionSet)
    {
        DateTime until = DateTime.UtcNow + ClusterDriver.WaitFor;
        while ((await Task.WhenAll(Uploads.Select(u => Harness.Backend.Chunks.DigestsAsync(Number, u.Upload.UploadId)))).Any(d => d.Count > 0)
            || (await Task.WhenAll(decryptionSet.Select(m => Harness.Backend.Shares.CountAsync(Number, m)))).Any(n => n > 0))
        {
            Assert.True(DateTime.UtcNow < until, $"round {Number}'s staged chunks and shares were not deleted within {ClusterDriver.WaitFor.TotalSeconds} s");
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.DisposeAsync();
        Consortium.Dispose();
    }
}

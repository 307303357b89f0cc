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
        (byte[][] aggregate, uint[][] values, PublishedModel model) = await Driver.FinishAsync(Consortium, Round, uploads);
        Assert.Equal(decryptionSet, (await Driver.Round(Number).GetAsync()).DecryptionSet);
        Rounds.AssertSumOfExactly(Consortium, Round, uploads, Updates[..counted], aggregate, values);
        Rounds.AssertPublished(Round, InitialModel, Updates[..counted], values, model);
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.DisposeAsync();
        Consortium.Dispose();
    }
}

using SecAgg.Aggregator.Accumulation;
using SecAgg.Protocol.Consortium;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;

namespace SecAgg.Aggregator.Tests.Support;

/// <summary>Test privacy cost: epsilon of a round with n summands is 2/n; rounds compose additively.</summary>
internal sealed class ReciprocalPrivacyCost : IPrivacyCost
{
    public double ComposedEpsilon(IReadOnlyList<int> summandsPerRound, double delta) => summandsPerRound.Sum(n => 2.0 / n);
}

/// <summary>A database, a clock, and the aggregator's round/accumulation logic over them; reopenable to simulate a restart.</summary>
internal sealed class Harness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    public static readonly string[] Enrolled = ["a", "b", "c", "d", "e", "f"];
    public static readonly byte[] Digest = [0xD1, 0x6E, 0x57, 0x01];

    private Harness(StoreFactory factory, IAggregatorStore store, PrivacyBudget budget)
    {
        Factory = factory;
        Store = store;
        Budget = budget;
        Build();
    }

    public StoreFactory Factory { get; }

    public IAggregatorStore Store { get; private set; }

    public ManualTimeProvider Time { get; } = new(Start);

    public PrimeFieldChunkAdder Adder { get; } = new(elements: 16);

    public RoundLifecycle Lifecycle { get; } = new(new RoundPolicy(Enrolled, minParticipants: 2, threshold: 2, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10)));

    public PrivacyBudget Budget { get; }

    public UploadAccumulator Accumulator { get; private set; } = null!;

    public RoundCoordinator Coordinator { get; private set; } = null!;

    public static async Task<Harness> CreateAsync(string engine, PrivacyBudget? budget = null)
    {
        var factory = await StoreFactory.CreateAsync(engine);
        return new Harness(factory, await factory.OpenAsync(), budget ?? new PrivacyBudget(100, 1e-6));
    }

    private void Build()
    {
        Accumulator = new UploadAccumulator(Store, Adder, Lifecycle, Time);
        Coordinator = new RoundCoordinator(Store, Lifecycle, new ReciprocalPrivacyCost(), Budget, Time);
    }

    /// <summary>Closes the store and opens it again from disk, as a restarted aggregator would.</summary>
    public async Task RestartAsync(Action<string>? faultHook = null)
    {
        await Store.DisposeAsync();
        Store = await Factory.OpenAsync(faultHook);
        Build();
    }

    public Task<RoundState> OpenRoundAsync(int chunks = 3) => Coordinator.OpenNextRoundAsync(Digest, chunks);

    /// <summary>Closes collection with <paramref name="listDigest"/>, records every contributor's approval, and fixes the decryption set.</summary>
    public async Task<RoundState> BeginDecryptionAsync(long round, string[] decryptionSet, byte[] listDigest)
    {
        RoundState r = await Coordinator.BeginApprovalAsync(round, listDigest);
        foreach (string member in r.Contributors)
        {
            await Coordinator.RecordApprovalAsync(round, member);
        }

        return await Coordinator.BeginDecryptionAsync(round, decryptionSet);
    }

    public static ChunkUpload Chunk(long round, string who, int index, byte[] payload, int total = 3, byte[]? digest = null) =>
        new(round, who, index, total, digest ?? Digest, payload);

    /// <summary>Reproducible upload of <paramref name="chunks"/> chunks for a participant (seeded by its id and the round).</summary>
    public byte[][] MakeUpload(long round, string who, int chunks = 3) => Adder.MakeUpload(round, who, chunks);

    /// <summary>Sends chunks [<paramref name="from"/>, <paramref name="until"/>) of an upload (default: all); returns the last receipt.</summary>
    public async Task<ChunkReceipt> SendAsync(long round, string who, byte[][] upload, int from = 0, int? until = null)
    {
        ChunkReceipt? last = null;
        for (int i = from; i < (until ?? upload.Length); i++)
        {
            last = await Accumulator.ReceiveChunkAsync(Chunk(round, who, i, upload[i], upload.Length));
        }

        return last!;
    }

    /// <summary>
    /// Seals the round's running sum (as the service does when collection closes) and asserts the durable sum is exactly
    /// the reference sum of <paramref name="uploads"/>, with nothing left pending.
    /// </summary>
    public async Task AssertSumIsAsync(long round, params byte[][][] uploads)
    {
        Assert.Equal(uploads.Length, await Accumulator.SealAsync(round));
        var r = await Store.GetRoundAsync(round);
        Assert.NotNull(r);
        Assert.Equal(uploads.Length, r.Summands);
        var contents = await Store.GetSumContentsAsync(round);
        Assert.Empty(contents.Pending);
        Assert.Equal(uploads.Length, contents.SealedSummands);
        for (int i = 0; i < r.ChunkCount; i++)
        {
            var stored = await Store.ReadSumChunkAsync(round, i);
            if (uploads.Length == 0)
            {
                Assert.Null(stored);
                continue;
            }

            Assert.NotNull(stored);
            Assert.Equal(uploads.Length, stored.Value.Summands);
            Assert.Equal(Adder.ReferenceSum(uploads.Select(u => u[i])), stored.Value.Sum);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await Factory.DisposeAsync();
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Aggregator.Service;
using SecAgg.Aggregator.Service.State;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Aggregator.Tests.Service;

public sealed class ModelStoreTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "secagg-models-" + Guid.NewGuid().ToString("N") + ".db");

    public void Dispose() => File.Delete(_path);

    private Task<ServiceStateStore> Open() => ServiceStateStore.OpenAsync(new StorageConfig(StorageProvider.Sqlite, _path, null), CancellationToken.None);

    private static float[] Values(int seed, int count)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2) - 1))];
    }

    /// <summary>Independent reference: the values as float32 little-endian.</summary>
    private static byte[] LittleEndian(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }

    [Fact]
    public async Task TheModelServedFromMemoryIsByteIdenticalToTheStoredDocument()
    {
        await using ServiceStateStore docs = await Open();
        float[] values = Values(3, 70_001);
        var models = new ModelStore(docs);
        await models.PutAsync(4, 9, 7, values, CancellationToken.None);

        ModelBytes served = (await models.GetBytesAsync(4, CancellationToken.None))!;
        byte[] stored = (await docs.GetAsync(DocumentKeys.Model(4)))!;
        Assert.Equal(stored.AsSpan(12).ToArray(), served.Values.ToArray());
        Assert.Equal(LittleEndian(values), served.Values.ToArray());
        Assert.Equal(SHA256.HashData(LittleEndian(values)), served.Digest.ToArray());
        Assert.Equal((4L, 9L, 7, values.Length), (served.Version, served.Round, served.Participants, served.Count));
    }

    [Fact]
    public async Task ARestartedStoreServesTheSameBytesFromTheDatabase()
    {
        var docs = await Open();
        float[] values = Values(5, 1000);
        await new ModelStore(docs).PutAsync(2, 2, 3, values, CancellationToken.None);
        ModelBytes before = (await new ModelStore(docs).GetBytesAsync(2, CancellationToken.None))!;

        await docs.DisposeAsync();
        docs = await Open();
        var restarted = new ModelStore(docs);
        ModelBytes after = (await restarted.GetBytesAsync(2, CancellationToken.None))!;
        Assert.Equal(before.Values.ToArray(), after.Values.ToArray());
        Assert.Equal(before.Digest.ToArray(), after.Digest.ToArray());
        Assert.Null(await restarted.GetBytesAsync(3, CancellationToken.None));
        Assert.Equal(2, await restarted.LatestVersionAsync(CancellationToken.None));
        await docs.DisposeAsync();
    }

    [Fact]
    public async Task ChangingThePublishedValuesAfterwardsDoesNotChangeWhatIsServedAndTheNextModelAddsTheHeldOne()
    {
        await using ServiceStateStore docs = await Open();
        float[] values = Values(7, 500);
        float[] original = [.. values];
        var models = new ModelStore(docs);
        await models.PutAsync(1, 1, 2, values, CancellationToken.None);
        values[0] += 1; // the driver's array, reused by nobody, but the served bytes must not alias it
        values[1] += 1;

        ModelBytes served = (await models.GetBytesAsync(1, CancellationToken.None))!;
        Assert.Equal(original, Enumerable.Range(0, served.Count).Select(i => BinaryPrimitives.ReadSingleLittleEndian(served.Values.Span[(4 * i)..])));
        Assert.Equal((await docs.GetAsync(DocumentKeys.Model(1)))!.AsSpan(12).ToArray(), served.Values.ToArray());

        // What the driver does to build the next model: the round's mean plus the held base model, in the mean's array.
        float[] mean = Values(8, 500);
        float[] next = [.. mean];
        served.AddTo(next);
        Assert.Equal(mean.Zip(original, (m, b) => m + b), next);
        Assert.Throws<ArgumentException>(() => served.AddTo(new float[499]));
    }

    [Fact]
    public async Task ANewlyPublishedVersionReplacesTheHeldOne()
    {
        await using ServiceStateStore docs = await Open();
        var models = new ModelStore(docs);
        await models.PutAsync(1, 1, 2, Values(1, 64), CancellationToken.None);
        _ = await models.GetBytesAsync(1, CancellationToken.None);
        float[] next = Values(2, 64);
        await models.PutAsync(2, 2, 2, next, CancellationToken.None);
        Assert.Equal(LittleEndian(next), (await models.GetBytesAsync(2, CancellationToken.None))!.Values.ToArray());
        Assert.Equal(LittleEndian(Values(1, 64)), (await models.GetBytesAsync(1, CancellationToken.None))!.Values.ToArray());
    }
}

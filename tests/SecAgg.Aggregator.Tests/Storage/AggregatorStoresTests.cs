using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Protocol.Consortium;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Aggregator.Tests.Support;

namespace SecAgg.Aggregator.Tests.Storage;

public sealed class AggregatorStoresTests
{
    [Fact]
    public async Task ConfiguredSqliteStoreIsCreatedAndMigrated()
    {
        var dir = Directory.CreateTempSubdirectory("secagg-stores-");
        try
        {
            string path = Path.Combine(dir.FullName, "nested", "agg.db");
            await using (var store = await AggregatorStores.OpenAsync(new StorageConfig(StorageProvider.Sqlite, path, null)))
            {
                Assert.IsType<SqliteAggregatorStore>(store);
                Assert.Equal(3, await store.GetSchemaVersionAsync());
            }

            Assert.True(File.Exists(path));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task StoreWithoutItsLocationIsAnArgumentError()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => AggregatorStores.OpenAsync(new StorageConfig(StorageProvider.Postgres, null, null)));
        Assert.Equal("storage", e.ParamName);
    }

    [Fact]
    public async Task LogsCarryNoChunkBytes()
    {
        var logger = new CapturingLogger();
        var dir = Directory.CreateTempSubdirectory("secagg-log-");
        try
        {
            await using var store = await SqliteAggregatorStore.OpenAsync(Path.Combine(dir.FullName, "a.db"), logger);
            var time = new ManualTimeProvider(Harness.Start);
            var lifecycle = new RoundLifecycle(new RoundPolicy(Harness.Enrolled, 2, 2, TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(10)));
            var adder = new PrimeFieldChunkAdder(16);
            var acc = new UploadAccumulator(store, adder, lifecycle, time, new TypedLogger<UploadAccumulator>(logger));
            await store.InsertRoundAsync(lifecycle.Open(null, time.GetUtcNow(), Harness.Digest, 2));
            var up = adder.MakeUpload(1, "a", 2);
            await acc.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0], total: 2));
            await acc.ReceiveChunkAsync(Harness.Chunk(1, "a", 1, up[1], total: 2));
            await Assert.ThrowsAsync<UploadRefusedException>(() => acc.ReceiveChunkAsync(Harness.Chunk(1, "a", 0, up[0], total: 2)));
            await Assert.ThrowsAsync<UploadRefusedException>(() => acc.ReceiveChunkAsync(Harness.Chunk(1, "b", 0, up[0][..8], total: 2)));

            Assert.Contains(logger.Messages, m => m.Contains("upload of a counted (2 chunks)", StringComparison.Ordinal));
            Assert.Contains(logger.Messages, m => m.Contains("refused (Duplicate)", StringComparison.Ordinal));
            Assert.Contains(logger.Messages, m => m.Contains("refused (Malformed)", StringComparison.Ordinal));
            foreach (var chunk in up)
            {
                string hex = Convert.ToHexString(chunk.AsSpan(0, 8));
                string b64 = Convert.ToBase64String(chunk.AsSpan(0, 9));
                Assert.DoesNotContain(logger.Messages, m => m.Contains(hex, StringComparison.OrdinalIgnoreCase) || m.Contains(b64, StringComparison.Ordinal));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private sealed class CapturingLogger : ILogger
    {
        public List<string> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Messages)
            {
                Messages.Add(formatter(state, exception));
            }
        }
    }

    private sealed class TypedLogger<T>(ILogger inner) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, formatter);
    }
}

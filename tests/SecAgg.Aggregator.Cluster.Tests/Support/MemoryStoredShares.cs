using System.Collections.Concurrent;
using SecAgg.Aggregator.Cluster.Staging;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>Decryption shares outside every silo of an in-process test cluster (stands in for the PostgreSQL table).</summary>
internal sealed class MemoryStoredShares : IStoredShares
{
    private readonly ConcurrentDictionary<(long Round, string Member, int Index), byte[]> _rows = new();

    public Task<StageResult> StoreAsync(long round, string member, int index, ReadOnlyMemory<byte> share, CancellationToken cancellationToken = default)
    {
        byte[] bytes = share.ToArray();
        byte[] held = _rows.GetOrAdd((round, member, index), bytes);
        return Task.FromResult(ReferenceEquals(held, bytes) ? StageResult.Staged : held.AsSpan().SequenceEqual(bytes) ? StageResult.AlreadyStaged : StageResult.Conflict);
    }

    public Task<int> CountAsync(long round, string member, CancellationToken cancellationToken = default) =>
        Task.FromResult(_rows.Keys.Count(k => k.Round == round && k.Member == member));

    public Task<byte[][]> ReadAsync(long round, int index, IReadOnlyList<string> members, CancellationToken cancellationToken = default) =>
        Task.FromResult<byte[][]>([.. members.Select(m => _rows.TryGetValue((round, m, index), out byte[]? share)
            ? share
            : throw new InvalidDataException($"Member '{m}' has no share of chunk {index} in round {round}."))]);

    public Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default)
    {
        foreach (var key in _rows.Keys.Where(k => k.Round == round))
        {
            _rows.TryRemove(key, out _);
        }

        return Task.CompletedTask;
    }
}

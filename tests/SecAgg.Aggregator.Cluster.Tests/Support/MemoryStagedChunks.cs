using System.Collections.Concurrent;
using System.Security.Cryptography;
using SecAgg.Aggregator.Cluster.Staging;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>Staged chunks outside every silo of an in-process test cluster (stands in for the PostgreSQL table).</summary>
internal sealed class MemoryStagedChunks : IStagedChunks
{
    private readonly ConcurrentDictionary<(long Round, Guid Upload, int Index), (string Participant, byte[] Sha, byte[] Payload)> _rows = new();

    public Task<StageResult> StageAsync(long round, Guid uploadId, string participant, int index, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        byte[] sha = SHA256.HashData(payload.Span);
        var row = (participant, sha, payload.ToArray());
        if (_rows.TryAdd((round, uploadId, index), row))
        {
            return Task.FromResult(StageResult.Staged);
        }

        var held = _rows[(round, uploadId, index)];
        return Task.FromResult(held.Participant == participant && held.Sha.AsSpan().SequenceEqual(sha) ? StageResult.AlreadyStaged : StageResult.Conflict);
    }

    public Task<IReadOnlyList<StagedDigest>> DigestsAsync(long round, Guid uploadId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StagedDigest>>([.. _rows.Where(r => r.Key.Round == round && r.Key.Upload == uploadId)
            .OrderBy(r => r.Key.Index).Select(r => new StagedDigest(r.Key.Index, r.Value.Participant, r.Value.Sha))]);

    public Task<byte[][]> ReadAsync(long round, Guid uploadId, int start, int end, CancellationToken cancellationToken = default) =>
        Task.FromResult<byte[][]>([.. Enumerable.Range(start, end - start).Select(k => _rows.TryGetValue((round, uploadId, k), out var row)
            ? row.Payload
            : throw new InvalidDataException($"Chunk {k} of upload {uploadId} in round {round} is not staged."))]);

    public Task DeleteRoundAsync(long round, CancellationToken cancellationToken = default)
    {
        foreach (var key in _rows.Keys.Where(k => k.Round == round))
        {
            _rows.TryRemove(key, out _);
        }

        return Task.CompletedTask;
    }
}

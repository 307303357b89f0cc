namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// Chunks [<see cref="Start"/>, <see cref="End"/>) of one round: what one <see cref="ISumPartitionGrain"/> sums.
/// A round of C chunks over P partitions gives partition p the range [⌊p·C/P⌋, ⌊(p+1)·C/P⌋) (sizes differ by at most one).
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct ChunkRange([property: Id(0)] int Start, [property: Id(1)] int End)
{
    /// <summary>Chunks in the range.</summary>
    public int Count => End - Start;

    /// <summary>The ranges of a round of <paramref name="chunkCount"/> chunks over min(<paramref name="partitions"/>, C) partitions.</summary>
    public static ChunkRange[] Split(int chunkCount, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        int p = Math.Min(partitions, chunkCount);
        return [.. Enumerable.Range(0, p).Select(i => new ChunkRange((int)((long)i * chunkCount / p), (int)((long)(i + 1) * chunkCount / p)))];
    }

    /// <summary>The partition grain key of this range in round <paramref name="round"/>: "ROUND/START-END".</summary>
    public string Key(long round) => $"{round}/{Start}-{End}";

    /// <summary>Parses a key written by <see cref="Key"/>.</summary>
    /// <exception cref="FormatException">Not such a key.</exception>
    public static (long Round, ChunkRange Range) ParseKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        string[] parts = key.Split('/', '-');
        return parts.Length == 3 && long.TryParse(parts[0], out long round) && int.TryParse(parts[1], out int start) && int.TryParse(parts[2], out int end)
            && start >= 0 && end > start
            ? (round, new ChunkRange(start, end))
            : throw new FormatException($"'{key}' is not a sum partition key (ROUND/START-END).");
    }
}

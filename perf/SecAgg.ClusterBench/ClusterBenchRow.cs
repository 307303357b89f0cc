namespace SecAgg.ClusterBench;

/// <summary>
/// One silo's line of one configuration (S silos, P partitions, N uploads of C chunks): the round's figures (the same on
/// each of its S lines) and that silo's peak RSS and CPU-seconds.
/// </summary>
internal sealed record ClusterBenchRow
{
    public required int Silos { get; init; }

    public required int Silo { get; init; }

    public required int Partitions { get; init; }

    public required int Uploads { get; init; }

    public required long Dimension { get; init; }

    public required int Chunks { get; init; }

    /// <summary>U: bytes of one upload (C chunks).</summary>
    public required long UploadBytes { get; init; }

    /// <summary>Staging all N·C chunks through the ingest workers.</summary>
    public required double IngestSeconds { get; init; }

    /// <summary>Completing the N uploads (admit, fold fan-out over the P partitions, count).</summary>
    public required double FoldSeconds { get; init; }

    /// <summary>Closing collection and gathering the aggregate from the partitions.</summary>
    public required double AggregateSeconds { get; init; }

    /// <summary>Open to aggregate in hand (ingest + fold + aggregate + the calls between).</summary>
    public required double RoundSeconds { get; init; }

    /// <summary>Whether the aggregate is byte for byte the driver's own fold of the same chunks.</summary>
    public required bool SumMatches { get; init; }

    public required long SiloPeakRssBytes { get; init; }

    /// <summary>The silo's user + system CPU seconds from open to aggregate.</summary>
    public required double SiloCpuSeconds { get; init; }

    /// <summary>Bytes of staged chunk rows the round left (measured from the rows).</summary>
    public required long PgStagedBytes { get; init; }

    /// <summary>Bytes of grain-state rows the round left (the P partitions' sums and the round record).</summary>
    public required long PgStateBytes { get; init; }

    public required PostgresCounters Pg { get; init; }

    /// <summary>1-minute load average when the configuration started.</summary>
    public required double LoadAverage { get; init; }

    public double IngestMegabytesPerSecond => Uploads * UploadBytes / 1e6 / IngestSeconds;

    public double FoldMegabytesPerSecond => Uploads * UploadBytes / 1e6 / FoldSeconds;
}

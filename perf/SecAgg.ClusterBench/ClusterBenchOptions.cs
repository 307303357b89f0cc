namespace SecAgg.ClusterBench;

/// <summary>What to run: each S of <see cref="Silos"/> once, with N uploads of d parameters and P = PartitionsPerSilo·S.</summary>
internal sealed record ClusterBenchOptions
{
    public required IReadOnlyList<int> Silos { get; init; }

    public required int Uploads { get; init; }

    public required long Dimension { get; init; }

    public int PartitionsPerSilo { get; init; } = 2;

    /// <summary>Chunks of one upload staged at once.</summary>
    public int IngestConcurrency { get; init; } = 4;

    public int Seed { get; init; } = 19;

    /// <summary>A PostgreSQL connection string whose role may create schemas (each configuration uses a fresh one, dropped afterwards).</summary>
    public required string Postgres { get; init; }

    /// <summary>Where cluster.csv and the charts go.</summary>
    public required string OutputDirectory { get; init; }
}

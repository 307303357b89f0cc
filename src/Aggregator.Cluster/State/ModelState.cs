namespace SecAgg.Aggregator.Cluster.State;

/// <summary>A model version's persisted state: the values and the round that published them (0 for the initial model).</summary>
[GenerateSerializer]
internal sealed class ModelState
{
    /// <summary>Whether the version is held.</summary>
    [Id(0)] public bool Held { get; set; }

    /// <summary>The round that published it; 0 for the initial model.</summary>
    [Id(1)] public long Round { get; set; }

    /// <summary>|U| of that round; 0 for the initial model.</summary>
    [Id(2)] public int Participants { get; set; }

    /// <summary>The model's d float32 values.</summary>
    [Id(3)] public float[] Values { get; set; } = [];
}

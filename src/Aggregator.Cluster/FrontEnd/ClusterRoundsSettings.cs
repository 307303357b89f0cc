namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>How a silo's <see cref="ClusterRoundOpener"/> runs.</summary>
/// <param name="InitialModel">Model version 0 when no silo holds one yet; null: zeros of the layout.</param>
/// <param name="OpenPeriod">How often the opener tries (about a second: a finished round's successor opens that soon).</param>
internal sealed record ClusterRoundsSettings(float[]? InitialModel, TimeSpan OpenPeriod);

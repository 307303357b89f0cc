namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>A participant's admitted upload in a round as a front end sees it: which upload its verified commitment admitted, and whether it is counted.</summary>
/// <param name="UploadId">The admitted upload's id.</param>
/// <param name="Counted">Whether every partition folded it and it is in U.</param>
[GenerateSerializer, Immutable]
public sealed record UploadView([property: Id(0)] Guid UploadId, [property: Id(1)] bool Counted);

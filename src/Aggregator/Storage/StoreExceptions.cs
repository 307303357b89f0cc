namespace SecAgg.Aggregator.Storage;

/// <summary>The database's schema is not one this aggregator can use (e.g. written by a newer version).</summary>
public sealed class StoreSchemaException(string message) : Exception(message);

/// <summary>A write conflicts with what the store already holds (e.g. a round number that exists).</summary>
public sealed class StoreConflictException(string message) : Exception(message);

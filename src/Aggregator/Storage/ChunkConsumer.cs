namespace SecAgg.Aggregator.Storage;

/// <summary>
/// Receives a payload the store read (a staged chunk), checked against its recorded SHA-256. The span is valid only
/// during the call (it is a pooled buffer); copy what must outlive it.
/// </summary>
/// <param name="payload">The chunk's bytes.</param>
public delegate void ChunkConsumer(ReadOnlySpan<byte> payload);

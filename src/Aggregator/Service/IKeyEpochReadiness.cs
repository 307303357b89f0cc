namespace SecAgg.Aggregator.Service;

/// <summary>
/// Whether the consortium's key epoch is READY (all N commits and reveals, the public seed derived, all N
/// acknowledgements; docs/threat-model.md "Key epoch"), and its public seed: what opens rounds. Answers from the shared
/// state, so a silo that served none of the ceremony's calls answers as the one that served them all.
/// </summary>
public interface IKeyEpochReadiness
{
    /// <summary>The epoch's public 32-byte seed once the epoch is READY; null before.</summary>
    Task<byte[]?> ReadySeedAsync(CancellationToken cancellationToken);
}

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// One model version (key: the version), durable in the grain store so that a published model is readable from every
/// silo, also after the silo that combined it died. Version 0 is the initial model; the round grain publishes version
/// v + 1 of a round whose base is v. Written once.
/// </summary>
public interface IModelGrain : IGrainWithIntegerKey
{
    /// <summary>The version; null while it is not held.</summary>
    Task<PublishedModel?> GetAsync();

    /// <summary>Whether the version is held (without sending its values).</summary>
    Task<bool> IsHeldAsync();

    /// <summary>Holds the initial model (version 0 only). The same values again are a no-op.</summary>
    /// <exception cref="InvalidOperationException">Another version than 0, or other values are held already.</exception>
    Task PutInitialAsync(float[] values);

    /// <summary>
    /// Holds the model round <paramref name="round"/> published as this version. Again for the same round is a no-op (the
    /// held values stay), so a round grain that re-runs its publication after a crash writes the version once.
    /// </summary>
    /// <exception cref="InvalidOperationException">Version 0, or another round's model is held at this version.</exception>
    Task PublishAsync(long round, int participants, float[] values);
}

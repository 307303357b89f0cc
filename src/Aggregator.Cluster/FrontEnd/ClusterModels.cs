using System.Buffers.Binary;
using System.Security.Cryptography;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Service.State;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// The published models as a silo serves them: a version, once written, never changes (<see cref="IModelGrain"/>), so the
/// version last asked for is kept on this silo as its little-endian float32 bytes with their SHA-256, and every download of
/// it is sliced from there; another version is fetched from its grain once.
/// </summary>
internal sealed class ClusterModels(IGrainFactory grains)
{
    private volatile ModelBytes? _held;

    /// <summary>Model <paramref name="version"/> as served, or null when it is not held.</summary>
    public async Task<ModelBytes?> GetAsync(long version)
    {
        if (_held is { } held && held.Version == version)
        {
            return held;
        }

        PublishedModel? model = await grains.GetGrain<IModelGrain>(version).GetAsync().ConfigureAwait(false);
        if (model is null)
        {
            return null;
        }

        byte[] bytes = new byte[model.Values.Length * sizeof(float)];
        for (int i = 0; i < model.Values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), model.Values[i]);
        }

        return _held = new ModelBytes(version, model.Round, model.Participants, bytes, SHA256.HashData(bytes));
    }
}

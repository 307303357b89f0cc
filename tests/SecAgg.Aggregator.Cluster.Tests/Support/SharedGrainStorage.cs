using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace SecAgg.Aggregator.Cluster.Tests.Support;

/// <summary>
/// A grain store outside every silo of an in-process test cluster (what a database is to real silos): state is kept as
/// serialized bytes with a version ETag, so a killed silo loses nothing written and a stale activation's write is refused
/// (<see cref="InconsistentStateException"/>), as with the ADO.NET provider.
/// </summary>
internal sealed class SharedGrainStorage
{
    private readonly ConcurrentDictionary<string, (byte[] Bytes, int Version)> _rows = new();

    /// <summary>The view of one silo (its serializer).</summary>
    public IGrainStorage For(Serializer serializer) => new SiloView(this, serializer);

    private sealed class SiloView(SharedGrainStorage store, Serializer serializer) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (store._rows.TryGetValue(Key(stateName, grainId), out var row))
            {
                grainState.State = serializer.Deserialize<T>(row.Bytes);
                grainState.ETag = row.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
                grainState.RecordExists = true;
            }

            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            string key = Key(stateName, grainId);
            byte[] bytes = serializer.SerializeToArray(grainState.State);
            int expected = grainState.ETag is null ? 0 : int.Parse(grainState.ETag, System.Globalization.CultureInfo.InvariantCulture);
            lock (store._rows)
            {
                int held = store._rows.TryGetValue(key, out var row) ? row.Version : 0;
                if (held != expected)
                {
                    throw new InconsistentStateException($"version {expected} was written over by version {held}", held.ToString(System.Globalization.CultureInfo.InvariantCulture), grainState.ETag ?? "");
                }

                store._rows[key] = (bytes, held + 1);
                grainState.ETag = (held + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            grainState.RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            store._rows.TryRemove(Key(stateName, grainId), out _);
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }

        private static string Key(string stateName, GrainId grainId) => $"{stateName}/{grainId}";
    }
}

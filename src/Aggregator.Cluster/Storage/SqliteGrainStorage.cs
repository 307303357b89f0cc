using System.Globalization;
using Microsoft.Data.Sqlite;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace SecAgg.Aggregator.Cluster.Storage;

/// <summary>
/// Orleans grain state in the node's SQLite file (table <c>secagg_grain_state</c>: service id, state name, grain id,
/// version, the state's bytes), with the ADO.NET provider's optimistic concurrency: a record's ETag is its version; a
/// write or clear names the version it read and succeeds only while that version is held (one
/// <c>UPDATE ... WHERE version = @read</c>, or an <c>INSERT</c> that fails if any record exists when it read none), else
/// it throws <see cref="InconsistentStateException"/> and changes nothing, so of two activations of one grain only one
/// can write. Each statement commits on its own with <c>synchronous=FULL</c> (<see cref="SqliteClusterDatabase"/>): a state
/// whose write returned survives kill -9. A cleared record keeps its version (its bytes become NULL), as with ADO.NET.
/// </summary>
public sealed class SqliteGrainStorage : IGrainStorage
{
    private readonly SqliteClusterDatabase _database;
    private readonly string _serviceId;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;

    /// <summary>Creates the provider.</summary>
    /// <param name="database">The node's database.</param>
    /// <param name="serviceId">The Orleans service id (part of every record's key).</param>
    /// <param name="serializer">How states become bytes (the silo's <see cref="OrleansGrainStorageSerializer"/>).</param>
    /// <param name="activators">Creates the empty state of a grain without a record.</param>
    public SqliteGrainStorage(SqliteClusterDatabase database, string serviceId, IGrainStorageSerializer serializer, IActivatorProvider activators)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrEmpty(serviceId);
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(activators);
        _database = database;
        _serviceId = serviceId;
        _serializer = serializer;
        _activators = activators;
    }

    /// <inheritdoc/>
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc/>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc/>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc/>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using SqliteCommand command = Keyed(connection, "SELECT version, payload FROM secagg_grain_state WHERE service_id = $service AND state_name = $state AND grain_id = $grain", stateName, grainId);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            grainState.State = Create<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        bool cleared = reader.IsDBNull(1);
        grainState.State = cleared ? Create<T>() : _serializer.Deserialize<T>(new BinaryData(reader.GetFieldValue<byte[]>(1)));
        grainState.ETag = Etag(reader.GetInt64(0));
        grainState.RecordExists = !cleared;
    }

    /// <inheritdoc/>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        byte[] payload = _serializer.Serialize(grainState.State).ToArray();
        long? read = Version(grainState.ETag, "WriteState", stateName, grainId);
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using SqliteCommand command = Keyed(connection, read is null
            ? "INSERT INTO secagg_grain_state (service_id, state_name, grain_id, version, payload, modified_at) VALUES ($service, $state, $grain, 1, $payload, $now) ON CONFLICT DO NOTHING"
            : "UPDATE secagg_grain_state SET version = version + 1, payload = $payload, modified_at = $now WHERE service_id = $service AND state_name = $state AND grain_id = $grain AND version = $read",
            stateName, grainId);
        command.Parameters.AddWithValue("$payload", payload);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$read", read ?? 0);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            throw await ConflictAsync(connection, "WriteState", stateName, grainId, grainState.ETag, cancellationToken).ConfigureAwait(false);
        }

        grainState.ETag = Etag((read ?? 0) + 1);
        grainState.RecordExists = true;
    }

    /// <inheritdoc/>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        if (!grainState.RecordExists)
        {
            // As ADO.NET: what the grain holds may be stale; only a record that exists now is cleared.
            await ReadStateAsync(stateName, grainId, grainState, cancellationToken).ConfigureAwait(false);
            if (!grainState.RecordExists)
            {
                return;
            }
        }

        long read = Version(grainState.ETag, "ClearState", stateName, grainId)
            ?? throw Conflict("ClearState", stateName, grainId, grainState.ETag, held: null);
        await using SqliteConnection connection = await _database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using SqliteCommand command = Keyed(connection,
            "UPDATE secagg_grain_state SET version = version + 1, payload = NULL, modified_at = $now WHERE service_id = $service AND state_name = $state AND grain_id = $grain AND version = $read",
            stateName, grainId);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$read", read);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            throw await ConflictAsync(connection, "ClearState", stateName, grainId, grainState.ETag, cancellationToken).ConfigureAwait(false);
        }

        grainState.State = Create<T>();
        grainState.ETag = Etag(read + 1);
        grainState.RecordExists = false;
    }

    private SqliteCommand Keyed(SqliteConnection connection, string sql, string stateName, GrainId grainId)
    {
        SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$service", _serviceId);
        command.Parameters.AddWithValue("$state", stateName);
        command.Parameters.AddWithValue("$grain", grainId.ToString());
        return command;
    }

    private async Task<InconsistentStateException> ConflictAsync(SqliteConnection connection, string operation, string stateName, GrainId grainId, string? etag, CancellationToken cancellationToken)
    {
        await using SqliteCommand command = Keyed(connection, "SELECT version FROM secagg_grain_state WHERE service_id = $service AND state_name = $state AND grain_id = $grain", stateName, grainId);
        object? held = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Conflict(operation, stateName, grainId, etag, held is long version ? Etag(version) : null);
    }

    private InconsistentStateException Conflict(string operation, string stateName, GrainId grainId, string? etag, string? held) =>
        new($"Version conflict ({operation}): ServiceId={_serviceId} ProviderName=sqlite GrainType={stateName} GrainId={grainId} ETag={etag ?? "none"}, stored {held ?? "none"}: another activation wrote this grain's state.",
            held ?? "", etag ?? "");

    private long? Version(string? etag, string operation, string stateName, GrainId grainId) =>
        string.IsNullOrWhiteSpace(etag) ? null
        : long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out long version) ? version
        : throw Conflict(operation, stateName, grainId, etag, held: null);

    private T Create<T>() => _activators.GetActivator<T>().Create();

    private static string Etag(long version) => version.ToString(CultureInfo.InvariantCulture);
}

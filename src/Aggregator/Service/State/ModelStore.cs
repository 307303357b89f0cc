using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The published models, one document each (<c>model/{version}</c>): round (8 bytes), participants (4), then the
/// float32 values, little-endian. Version 0 is the initial model; round r publishes its base version + 1.
/// A version, once published, never changes (a republish after a crash writes the same values), so the last version
/// written or read is kept in memory (<see cref="ModelBytes"/>: the stored bytes and their digest) and every
/// participant's download of it is served from there; the database stays the durable copy and a restart reads it again.
/// </summary>
internal sealed class ModelStore(ServiceStateStore docs)
{
    private const int HeaderBytes = 12;

    private volatile ModelBytes? _held;

    /// <summary>Stores model version 0 unless one is stored (a restart keeps the first).</summary>
    public Task StoreInitialAsync(ReadOnlySpan<float> values, CancellationToken ct) =>
        docs.InsertIfAbsentAsync(DocumentKeys.Model(0), Encode(0, 0, values), ct);

    /// <summary>The newest published version.</summary>
    public async Task<long> LatestVersionAsync(CancellationToken ct)
    {
        string key = await docs.LastKeyAsync(DocumentKeys.ModelPrefix, ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException("the database holds no model; the initial model is stored at start");
        return long.Parse(key.AsSpan(DocumentKeys.ModelPrefix.Length), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Model <paramref name="version"/> as stored (shared, immutable: to serve), or null when it has not been published.
    /// The last version asked for or published is answered from memory; another is read from the database once.
    /// </summary>
    public async Task<ModelBytes?> GetBytesAsync(long version, CancellationToken ct)
    {
        if (_held is { } held && held.Version == version)
        {
            return held;
        }

        byte[]? doc = await docs.GetAsync(DocumentKeys.Model(version), ct).ConfigureAwait(false);
        return doc is null ? null : _held = Hold(version, doc);
    }

    /// <summary>Publishes <paramref name="values"/> as <paramref name="version"/>, produced by <paramref name="round"/> from <paramref name="participants"/> uploads.</summary>
    public async Task PutAsync(long version, long round, int participants, ReadOnlyMemory<float> values, CancellationToken ct)
    {
        byte[] doc = Encode(round, participants, values.Span);
        await docs.PutAsync(DocumentKeys.Model(version), doc, ct).ConfigureAwait(false);
        _held = Hold(version, doc); // only once it is durable
    }

    private static byte[] Encode(long round, int participants, ReadOnlySpan<float> values)
    {
        byte[] bytes = new byte[HeaderBytes + (values.Length * 4)];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, round);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), participants);
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(HeaderBytes + (4 * i)), values[i]);
        }

        return bytes;
    }

    private static ModelBytes Hold(long version, byte[] doc) => new(
        version, BinaryPrimitives.ReadInt64LittleEndian(doc), BinaryPrimitives.ReadInt32LittleEndian(doc.AsSpan(8)),
        doc.AsMemory(HeaderBytes), SHA256.HashData(doc.AsSpan(HeaderBytes)));
}

using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace SecAgg.Aggregator.Service.State;

/// <summary>A published global model: the round that produced it, how many uploads it averages, its values.</summary>
/// <param name="Version">The model version (0 = the initial model).</param>
/// <param name="Round">The round that published it (0 for the initial model).</param>
/// <param name="Participants">Complete uploads averaged into it.</param>
/// <param name="Values">The flattened values.</param>
/// <param name="Digest">SHA-256 of the little-endian float32 encoding of <paramref name="Values"/>.</param>
internal sealed record PublishedModel(long Version, long Round, int Participants, float[] Values, byte[] Digest);

/// <summary>
/// The published models, one document each (<c>model/{version}</c>): round (8 bytes), participants (4), then the
/// float32 values, little-endian. Version 0 is the initial model; round r publishes its base version + 1.
/// </summary>
internal sealed class ModelStore(ServiceStateStore docs)
{
    private const int HeaderBytes = 12;

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

    /// <summary>Model <paramref name="version"/> (0 is the initial model), or null when it has not been published.</summary>
    public async Task<PublishedModel?> GetAsync(long version, CancellationToken ct)
    {
        byte[]? doc = await docs.GetAsync(DocumentKeys.Model(version), ct).ConfigureAwait(false);
        return doc is null ? null : Decode(version, doc);
    }

    /// <summary>Publishes <paramref name="values"/> as <paramref name="version"/>, produced by <paramref name="round"/> from <paramref name="participants"/> uploads.</summary>
    public Task PutAsync(long version, long round, int participants, ReadOnlySpan<float> values, CancellationToken ct) =>
        docs.PutAsync(DocumentKeys.Model(version), Encode(round, participants, values), ct);

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

    private static PublishedModel Decode(long version, byte[] bytes)
    {
        var values = new float[(bytes.Length - HeaderBytes) / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(HeaderBytes + (4 * i)));
        }

        return new PublishedModel(
            version, BinaryPrimitives.ReadInt64LittleEndian(bytes), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)), values, SHA256.HashData(bytes.AsSpan(HeaderBytes)));
    }
}

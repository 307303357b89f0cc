using System.Data.Common;

namespace SecAgg.Aggregator.Cluster.Staging;

/// <summary>The staged-chunk queries' result rows read the same way on every ADO.NET store (PostgreSQL, SQLite).</summary>
internal static class StagedRows
{
    /// <summary>Rows (chunk_index, participant, sha256), by index.</summary>
    public static async Task<IReadOnlyList<StagedDigest>> DigestsAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        var digests = new List<StagedDigest>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            digests.Add(new StagedDigest(reader.GetInt32(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
        }

        return digests;
    }

    /// <summary>Rows (chunk_index, payload) of chunks [<paramref name="start"/>, <paramref name="end"/>), by index; every one must be there.</summary>
    /// <exception cref="InvalidDataException">A chunk of the range is not staged.</exception>
    public static async Task<byte[][]> PayloadsAsync(DbDataReader reader, long round, Guid uploadId, int start, int end, CancellationToken cancellationToken)
    {
        var chunks = new byte[end - start][];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            chunks[reader.GetInt32(0) - start] = reader.GetFieldValue<byte[]>(1);
        }

        int missing = Array.IndexOf(chunks, null);
        return missing < 0 ? chunks : throw new InvalidDataException($"Chunk {start + missing} of upload {uploadId} in round {round} is not staged.");
    }
}

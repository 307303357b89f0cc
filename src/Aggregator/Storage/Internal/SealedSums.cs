using System.Data.Common;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Logging;
using SecAgg.Aggregator.Rounds;
using static SecAgg.Aggregator.Storage.Internal.Sql;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>
/// The rounds' durable ciphertext sums: one <c>sums</c> row per (round, chunk index) with the number of uploads it
/// holds, its bytes in a file <c>sum.INDEX.SUMMANDS.SHA16</c> (fsynced with its directory before the row commits) or
/// in the row. Invariant: a round's sum rows hold exactly its counted uploads with <c>sealed = 1</c>; the others'
/// bytes are their staged chunks. Sealing adds those into a new sum version in one transaction.
/// </summary>
internal sealed class SealedSums(SqlDialect dialect, ChunkFiles? files, ChunkStaging staging, Action<string> step, ILogger logger)
{
    private ChunkFiles Files => files ?? throw new StoreCorruptException("the database names payload files but this store was opened without a data directory; open it with the data directory it was written with");

    public async Task<SumContents> GetContentsAsync(long round, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        var r = await RoundRepository.ReadAsync(c, null, round, forUpdate: null, ct).ConfigureAwait(false)
            ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {round} does not exist");
        int summands = (int)(await LongAsync(c, null, "SELECT summands FROM sums WHERE round = @r AND chunk_index = 0", ct, P("r", round)).ConfigureAwait(false) ?? 0);
        var pending = await QueryAsync(c, null, "SELECT participant FROM counted_uploads WHERE round = @r AND sealed = 0 ORDER BY participant", x => x.GetString(0), ct, P("r", round)).ConfigureAwait(false);
        return new SumContents(round, r.ChunkCount, summands, pending);
    }

    /// <summary>The durable sum at <paramref name="index"/> (a pooled buffer: return it with <see cref="ChunkFiles.Return"/>), or null.</summary>
    /// <exception cref="StoreCorruptException">The sum file is missing or does not match its recorded SHA-256.</exception>
    public async Task<(byte[] Buffer, int Length, int Summands)?> ReadAsync(long round, int index, CancellationToken ct)
    {
        int summands, length;
        byte[] sha;
        await using (var c = await dialect.OpenAsync(ct).ConfigureAwait(false))
        await using (var cmd = Command(c, null, "SELECT summands, in_file, length, sha256, payload FROM sums WHERE round = @r AND chunk_index = @i", P("r", round), P("i", index)))
        await using (var reader = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                return null;
            }

            summands = reader.GetInt32(0);
            if (reader.GetInt32(1) == 0)
            {
                byte[] blob = (byte[])reader[4];
                byte[] copy = ChunkFiles.Rent(blob.Length);
                blob.CopyTo(copy, 0);
                return (copy, blob.Length, summands);
            }

            length = reader.GetInt32(2);
            sha = (byte[])reader[3];
        }

        string path = Files.SumPath(round, index, summands, sha);
        return await ChunkFiles.ReadVerifiedAsync(path, length, sha, ct).ConfigureAwait(false) is { } buffer
            ? (buffer, length, summands)
            : throw new StoreCorruptException($"the sum file {path} of round {round} (chunk {index}, {summands} uploads) is missing or damaged; restore the data directory from a backup");
    }

    /// <summary>
    /// Stores <paramref name="sum"/> (one buffer per chunk index) as the round's new durable sum: the sum of
    /// <paramref name="sealedBefore"/> uploads already sealed plus the counted uploads <paramref name="added"/>, which must be
    /// every counted upload not sealed yet. Files are written and fsynced first; then one transaction under the round's
    /// lock checks that, writes the rows, marks the uploads sealed and deletes their staged chunks.
    /// </summary>
    /// <exception cref="StoreConflictException">The round's counted uploads or sum changed meanwhile (another process); nothing changed.</exception>
    public async Task SealAsync(long round, int sealedBefore, IReadOnlyList<string> added, IReadOnlyList<ReadOnlyMemory<byte>> sum, CancellationToken ct)
    {
        step("seal.begin");
        int summands = sealedBefore + added.Count;
        var shas = sum.Select(s => SHA256.HashData(s.Span)).ToArray();
        var written = new List<string>();
        if (files is not null)
        {
            // New names (summands and hash): the version the rows name now stays intact until the commit.
            for (int i = 0; i < sum.Count; i++)
            {
                string path = files.SumPath(round, i, summands, shas[i]);
                await ChunkFiles.WriteAsync(path, sum[i], durable: true, ct, syncDirectory: false).ConfigureAwait(false);
                written.Add(path);
                step($"seal.sum-written:{i}");
            }

            ChunkFiles.FsyncDirectory(files.RoundDirectory(round));
        }

        var superseded = new List<string>();
        var doomed = new List<string>();
        await using (var c = await dialect.OpenAsync(ct).ConfigureAwait(false))
        await using (var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false))
        {
            var r = await RoundRepository.ReadAsync(c, tx, round, dialect.ForUpdate, ct).ConfigureAwait(false)
                ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {round} does not exist");
            if (sum.Count != r.ChunkCount)
            {
                throw new ArgumentException($"round {round}'s sum has {r.ChunkCount} chunks, not {sum.Count}", nameof(sum));
            }

            var rows = await QueryAsync(c, tx, "SELECT chunk_index, summands, in_file, sha256 FROM sums WHERE round = @r", x => (Index: x.GetInt32(0), Summands: x.GetInt32(1), InFile: x.GetInt32(2) == 1, Sha: x.IsDBNull(3) ? null : (byte[])x[3]), ct, P("r", round)).ConfigureAwait(false);
            var pending = await QueryAsync(c, tx, "SELECT participant FROM counted_uploads WHERE round = @r AND sealed = 0", x => x.GetString(0), ct, P("r", round)).ConfigureAwait(false);
            long sealedCount = await LongAsync(c, tx, "SELECT COUNT(*) FROM counted_uploads WHERE round = @r AND sealed = 1", ct, P("r", round)).ConfigureAwait(false) ?? 0;
            int current = rows.Count == 0 ? 0 : rows[0].Summands;
            if (rows.Any(x => x.Summands != current) || sealedCount != current || (current > 0 && rows.Count != r.ChunkCount))
            {
                throw new StoreCorruptException($"round {round}'s durable sum does not match its counted uploads ({sealedCount} sealed, sum rows {string.Join(", ", rows.Select(x => x.Summands))}); restore the database and data directory from a backup");
            }

            if (current != sealedBefore || !pending.ToHashSet(StringComparer.Ordinal).SetEquals(added))
            {
                var named = rows.Where(x => x.InFile && x.Sha is not null).Select(x => Files.SumPath(round, x.Index, x.Summands, x.Sha!)).ToHashSet(StringComparer.Ordinal);
                written.Where(w => !named.Contains(w)).ToList().ForEach(ChunkFiles.TryDelete);
                throw new StoreConflictException($"round {round}'s counted uploads changed while its sum was being sealed ({current} sealed and {pending.Count} pending now); seal it again");
            }

            superseded.AddRange(rows.Where(x => x.InFile && x.Sha is not null).Select(x => Files.SumPath(round, x.Index, x.Summands, x.Sha!)).Except(written, StringComparer.Ordinal));
            for (int i = 0; i < sum.Count; i++)
            {
                await UpsertAsync(c, tx, round, i, summands, sum[i], shas[i], ct).ConfigureAwait(false);
            }

            await ExecAsync(c, tx, "UPDATE counted_uploads SET sealed = 1 WHERE round = @r AND sealed = 0", ct, P("r", round)).ConfigureAwait(false);
            foreach (string p in added)
            {
                doomed.AddRange(await staging.DeleteFromAsync(c, tx, round, p, 0, ct).ConfigureAwait(false));
            }

            step("seal.before-commit");
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        step("seal.after-commit");
        superseded.ForEach(ChunkFiles.TryDelete);
        doomed.ForEach(ChunkFiles.TryDelete);
        Log.SumSealed(logger, round, summands, added.Count, sum.Count);
    }

    /// <summary>The (round, chunk index) → summand count of every file-backed sum row (for the file maintenance at open).</summary>
    public async Task<Dictionary<(long Round, int Index), int>> GetFileVersionsAsync(CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        var rows = await QueryAsync(c, null, "SELECT round, chunk_index, summands FROM sums WHERE in_file = 1", r => (r.GetInt64(0), r.GetInt32(1), r.GetInt32(2)), ct).ConfigureAwait(false);
        return rows.ToDictionary(r => (r.Item1, r.Item2), r => r.Item3);
    }

    private Task<int> UpsertAsync(DbConnection c, DbTransaction tx, long round, int index, int summands, ReadOnlyMemory<byte> sum, byte[] sha, CancellationToken ct) =>
        files is null
            ? ExecAsync(c, tx,
                """
                INSERT INTO sums (round, chunk_index, summands, payload, in_file, length, sha256) VALUES (@r, @i, @s, @b, 0, @l, NULL)
                ON CONFLICT (round, chunk_index) DO UPDATE SET summands = excluded.summands, payload = excluded.payload, in_file = 0, length = excluded.length, sha256 = NULL
                """, ct, P("r", round), P("i", index), P("s", summands), P("b", sum.ToArray()), P("l", sum.Length))
            : ExecAsync(c, tx,
                """
                INSERT INTO sums (round, chunk_index, summands, payload, in_file, length, sha256) VALUES (@r, @i, @s, @b, 1, @l, @h)
                ON CONFLICT (round, chunk_index) DO UPDATE SET summands = excluded.summands, payload = excluded.payload, in_file = 1, length = excluded.length, sha256 = excluded.sha256
                """, ct, P("r", round), P("i", index), P("s", summands), P("b", Array.Empty<byte>()), P("l", sum.Length), P("h", sha));
}

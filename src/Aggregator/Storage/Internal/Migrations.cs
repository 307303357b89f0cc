using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Logging;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>
/// The versioned schema. Each migration is applied once, in order, in one transaction with the row that records
/// it in <c>schema_version</c>; a database whose version is above <see cref="Latest"/> is refused.
/// Never edit a published migration: add the next one.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<(int Version, string Description, string[] Statements)> All =
    [
        (1, "rounds, staged chunks, counted uploads, sums, privacy ledger",
        [
            """
            CREATE TABLE rounds (
                number {bigint} PRIMARY KEY,
                stage TEXT NOT NULL,
                aggregate_digest {blob} NULL UNIQUE,
                state TEXT NOT NULL,
                updated_at TEXT NOT NULL)
            """,
            """
            CREATE TABLE staged_chunks (
                round {bigint} NOT NULL REFERENCES rounds(number),
                participant TEXT NOT NULL,
                chunk_index INTEGER NOT NULL,
                total_chunks INTEGER NOT NULL,
                sha256 {blob} NOT NULL,
                payload {blob} NOT NULL,
                PRIMARY KEY (round, participant, chunk_index))
            """,
            """
            CREATE TABLE counted_uploads (
                round {bigint} NOT NULL REFERENCES rounds(number),
                participant TEXT NOT NULL,
                chunk_count INTEGER NOT NULL,
                upload_sha256 {blob} NOT NULL,
                counted_at TEXT NOT NULL,
                PRIMARY KEY (round, participant))
            """,
            """
            CREATE TABLE sums (
                round {bigint} NOT NULL REFERENCES rounds(number),
                chunk_index INTEGER NOT NULL,
                summands INTEGER NOT NULL,
                payload {blob} NOT NULL,
                PRIMARY KEY (round, chunk_index))
            """,
            """
            CREATE TABLE privacy_ledger (
                round {bigint} PRIMARY KEY REFERENCES rounds(number),
                summands INTEGER NOT NULL,
                epsilon_round {real} NOT NULL,
                epsilon_total {real} NOT NULL,
                delta {real} NOT NULL,
                recorded_at TEXT NOT NULL)
            """,
        ]),
        (2, "payloads of staged chunks and sums may live in files (the row keeps their SHA-256 and length)",
        [
            "ALTER TABLE staged_chunks ADD COLUMN in_file INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE staged_chunks ADD COLUMN length INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE sums ADD COLUMN in_file INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE sums ADD COLUMN length INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE sums ADD COLUMN sha256 {blob} NULL",
        ]),
        (3, "a counted upload is added into the round's durable sum when collection closes (sealed = 0 until then, its staged chunks kept)",
        [
            // Uploads counted before this version were added into the sums when they were counted.
            "ALTER TABLE counted_uploads ADD COLUMN sealed INTEGER NOT NULL DEFAULT 1",
        ]),
    ];

    public static int Latest => All[^1].Version;

    /// <summary>Creates or upgrades the schema to <see cref="Latest"/> in one transaction.</summary>
    /// <exception cref="StoreSchemaException">The database is newer than this aggregator.</exception>
    public static async Task ApplyAsync(SqlDialect dialect, ILogger logger, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        if (dialect.MigrationLock is { } lockSql)
        {
            await Sql.ExecAsync(c, tx, lockSql, ct).ConfigureAwait(false);
        }

        await Sql.ExecAsync(c, tx, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, description TEXT NOT NULL, applied_at TEXT NOT NULL)", ct).ConfigureAwait(false);
        int from = (int)(await Sql.LongAsync(c, tx, "SELECT COALESCE(MAX(version), 0) FROM schema_version", ct).ConfigureAwait(false) ?? 0);
        if (from > Latest)
        {
            throw new StoreSchemaException(
                $"the database schema is version {from}, newer than this aggregator's {Latest}; run the newer aggregator, or restore a backup made before the upgrade");
        }

        foreach (var (version, description, statements) in All.Where(m => m.Version > from))
        {
            foreach (string s in statements)
            {
                await Sql.ExecAsync(c, tx, dialect.Ddl(s), ct).ConfigureAwait(false);
            }

            await Sql.ExecAsync(c, tx, "INSERT INTO schema_version (version, description, applied_at) VALUES (@v, @d, @t)", ct,
                ("v", version), ("d", description), ("t", Sql.Now())).ConfigureAwait(false);
        }

        await tx.CommitAsync(ct).ConfigureAwait(false);
        if (from != Latest)
        {
            Log.SchemaMigrated(logger, dialect.Name, from, Latest);
        }
    }

    /// <summary>The schema version of the database.</summary>
    public static async Task<int> VersionAsync(SqlDialect dialect, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        return (int)(await Sql.LongAsync(c, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version", ct).ConfigureAwait(false) ?? 0);
    }
}

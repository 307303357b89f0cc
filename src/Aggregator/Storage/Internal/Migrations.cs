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
    ];

    public static int Latest => All[^1].Version;
}

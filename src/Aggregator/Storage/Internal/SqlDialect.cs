using System.Data.Common;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>The few places SQLite and PostgreSQL differ; all other SQL is shared.</summary>
internal abstract class SqlDialect
{
    /// <summary>Name for logs.</summary>
    public abstract string Name { get; }

    /// <summary>Column type of byte strings.</summary>
    public abstract string Blob { get; }

    /// <summary>Column type of 64-bit integers.</summary>
    public abstract string BigInt { get; }

    /// <summary>Column type of doubles.</summary>
    public abstract string Real { get; }

    /// <summary>Suffix of a SELECT that locks the rows it reads until the transaction ends ("" where the transaction already holds the database's write lock).</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Statement that serializes concurrent migrators, run first in the migration transaction (null: the write transaction already does).</summary>
    public abstract string? MigrationLock { get; }

    /// <summary>
    /// Statement run on a connection before a commit that need not reach the disk at once (staging a chunk): it must
    /// still survive the process being killed, and a later durable commit makes it durable too (null: every commit is durable).
    /// </summary>
    public virtual string? FastCommitPragma => null;

    /// <summary>Opens a connection ready for use.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a read-write transaction that serializes with other writers as needed.</summary>
    public abstract Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Substitutes the dialect's type names into a schema statement.</summary>
    public string Ddl(string sql) => sql.Replace("{blob}", Blob, StringComparison.Ordinal)
        .Replace("{bigint}", BigInt, StringComparison.Ordinal)
        .Replace("{real}", Real, StringComparison.Ordinal);
}

using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Logging;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;
using static SecAgg.Aggregator.Storage.Internal.Sql;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>
/// The rounds (state as versioned JSON, with indexed <c>stage</c> and <c>aggregate_digest</c> columns) and the privacy
/// ledger. A transition locks the round's row, so it serializes with counting and sealing of that round.
/// </summary>
internal sealed class RoundRepository(SqlDialect dialect, ChunkStaging staging, Action<string> step, ILogger logger)
{
    public async Task<RoundState?> GetAsync(long number, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        return await ReadAsync(c, null, number, forUpdate: null, ct).ConfigureAwait(false);
    }

    public async Task<RoundState?> GetLatestAsync(CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        return await ScalarAsync(c, null, "SELECT state FROM rounds ORDER BY number DESC LIMIT 1", ct).ConfigureAwait(false) is string json
            ? RoundStateJson.Deserialize(json)
            : null;
    }

    public async Task<IReadOnlyList<RoundState>> GetUnfinishedAsync(CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        return await QueryAsync(c, null, "SELECT state FROM rounds WHERE stage NOT IN (@p, @a) ORDER BY number", r => RoundStateJson.Deserialize(r.GetString(0)), ct,
            P("p", RoundStages.Published), P("a", RoundStages.Aborted)).ConfigureAwait(false);
    }

    /// <summary>Every round's stage by number (for the file maintenance at open).</summary>
    public async Task<Dictionary<long, RoundStage>> GetStagesAsync(CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        var rows = await QueryAsync(c, null, "SELECT number, stage FROM rounds", r => (r.GetInt64(0), RoundStages.Parse(r.GetString(1))), ct).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Item1, r => r.Item2);
    }

    public async Task InsertAsync(RoundState round, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        if (await ScalarAsync(c, tx, "SELECT 1 FROM rounds WHERE number = @n", ct, P("n", round.Number)).ConfigureAwait(false) is not null)
        {
            throw new StoreConflictException($"round {round.Number} already exists");
        }

        await ExecAsync(c, tx, "INSERT INTO rounds (number, stage, aggregate_digest, state, updated_at) VALUES (@n, @s, @d, @j, @t)", ct,
            P("n", round.Number), P("s", RoundStages.Name(round.Stage)), P("d", DigestOrNull(round)), P("j", RoundStateJson.Serialize(round)), P("t", Now())).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task<RoundState> UpdateAsync(long number, Func<RoundState, RoundState> transition, LedgerEntry? ledgerEntry, CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await dialect.BeginWriteAsync(c, ct).ConfigureAwait(false);
        var before = await ReadAsync(c, tx, number, dialect.ForUpdate, ct).ConfigureAwait(false)
            ?? throw new RoundStateException(RoundError.InvalidArgument, $"round {number} does not exist");
        var after = transition(before);
        if (ReferenceEquals(after, before) && ledgerEntry is null)
        {
            return before; // nothing changed (e.g. no deadline passed): no write
        }

        if (after.Number != number)
        {
            throw new InvalidOperationException("a round transition must not change the round number");
        }

        if (!after.ListDigest.IsDefaultOrEmpty && before.ListDigest.IsDefaultOrEmpty
            && await ScalarAsync(c, tx, "SELECT number FROM rounds WHERE aggregate_digest = @d AND number <> @n", ct, P("d", DigestOrNull(after)), P("n", number)).ConfigureAwait(false) is { } other)
        {
            throw new RoundStateException(RoundError.ListReused,
                $"this upload list was already put up for approval in round {other}; a list is approved and decrypted at most once");
        }

        step("update.before-write");
        await WriteAsync(c, tx, after, ct).ConfigureAwait(false);

        // Leaving collection: uncounted staged chunks can never count now. A counted upload's chunks stay until they are
        // sealed into the durable sum (they are its only copy), or until the round is over.
        List<string> unreferenced = after.Stage.IsTerminal() || (IsCollecting(before.Stage) && !IsCollecting(after.Stage))
            ? await staging.DeleteUncountableAsync(c, tx, number, includingCounted: after.Stage.IsTerminal(), ct).ConfigureAwait(false)
            : [];
        if (ledgerEntry is not null)
        {
            if (ledgerEntry.Round != number)
            {
                throw new ArgumentException($"the ledger entry is for round {ledgerEntry.Round}, not {number}", nameof(ledgerEntry));
            }

            await ExecAsync(c, tx, "INSERT INTO privacy_ledger (round, summands, epsilon_round, epsilon_total, delta, recorded_at) VALUES (@n, @s, @e, @et, @d, @t)", ct,
                P("n", number), P("s", ledgerEntry.Summands), P("e", ledgerEntry.EpsilonRound), P("et", ledgerEntry.EpsilonTotal),
                P("d", ledgerEntry.Delta), P("t", ledgerEntry.RecordedAt.ToString("O", CultureInfo.InvariantCulture))).ConfigureAwait(false);
        }

        step("update.before-commit");
        await tx.CommitAsync(ct).ConfigureAwait(false);
        staging.DeleteFiles(number, unreferenced, wholeRound: after.Stage.IsTerminal());
        if (after.Stage != before.Stage)
        {
            Log.RoundStageChanged(logger, number, RoundStages.Name(after.Stage));
        }

        return after;
    }

    public async Task<IReadOnlyList<LedgerEntry>> GetLedgerAsync(CancellationToken ct)
    {
        await using var c = await dialect.OpenAsync(ct).ConfigureAwait(false);
        return await QueryAsync(c, null, "SELECT round, summands, epsilon_round, epsilon_total, delta, recorded_at FROM privacy_ledger ORDER BY round",
            r => new LedgerEntry(r.GetInt64(0), r.GetInt32(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), DateTimeOffset.Parse(r.GetString(5), CultureInfo.InvariantCulture)),
            ct).ConfigureAwait(false);
    }

    /// <summary>True while a round counts uploads (Open or Collecting).</summary>
    public static bool IsCollecting(RoundStage stage) => stage is RoundStage.Open or RoundStage.Collecting;

    /// <summary>Reads a round inside a transaction; <paramref name="forUpdate"/> is the dialect's row-lock suffix (null: no lock).</summary>
    public static async Task<RoundState?> ReadAsync(DbConnection c, DbTransaction? tx, long number, string? forUpdate, CancellationToken ct) =>
        await ScalarAsync(c, tx, "SELECT state FROM rounds WHERE number = @n" + forUpdate, ct, P("n", number)).ConfigureAwait(false) is string json
            ? RoundStateJson.Deserialize(json)
            : null;

    /// <summary>Stores a round's new state inside a transaction that locked its row.</summary>
    public static Task<int> WriteAsync(DbConnection c, DbTransaction tx, RoundState r, CancellationToken ct) =>
        ExecAsync(c, tx, "UPDATE rounds SET stage = @s, aggregate_digest = @d, state = @j, updated_at = @t WHERE number = @n", ct,
            P("n", r.Number), P("s", RoundStages.Name(r.Stage)), P("d", DigestOrNull(r)), P("j", RoundStateJson.Serialize(r)), P("t", Now()));

    private static object DigestOrNull(RoundState r) => r.ListDigest.IsDefaultOrEmpty ? DBNull.Value : r.ListDigest.ToArray();
}

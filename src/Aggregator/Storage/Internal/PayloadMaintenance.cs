using System.Globalization;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Logging;
using SecAgg.Aggregator.Rounds;
using static SecAgg.Aggregator.Storage.Internal.Sql;

namespace SecAgg.Aggregator.Storage.Internal;

/// <summary>
/// The payload files at open: finds staged chunks a power cut lost (they are not fsynced) and files no row can refer to
/// any more, and deletes the latter.
/// </summary>
internal sealed class PayloadMaintenance(SqlDialect dialect, ChunkFiles files, RoundRepository rounds, CountedUploads counted, SealedSums sums, ILogger logger)
{
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// Checks every staged chunk file against its SHA-256: a lost chunk is dropped with the ones after it (the
    /// participant resumes from there) and, if its upload was counted but not sealed into the round's sum yet, that
    /// count is taken back (<see cref="CountedUploads.DropLostAsync"/>). Deletes superseded sum versions, staged files of
    /// sealed uploads and of rounds that are over, and temporaries older than an hour.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var stages = await rounds.GetStagesAsync(ct).ConfigureAwait(false);
        List<(long Round, string Participant, int Index, byte[] Sha, int Length)> staged;
        HashSet<(long, string)> countedSet;
        await using (var c = await dialect.OpenAsync(ct).ConfigureAwait(false))
        {
            staged = await QueryAsync(c, null, "SELECT round, participant, chunk_index, sha256, length FROM staged_chunks WHERE in_file = 1 ORDER BY round, participant, chunk_index",
                r => (r.GetInt64(0), r.GetString(1), r.GetInt32(2), (byte[])r[3], r.GetInt32(4)), ct).ConfigureAwait(false);
            countedSet = (await QueryAsync(c, null, "SELECT round, participant FROM counted_uploads", r => (r.GetInt64(0), r.GetString(1)), ct).ConfigureAwait(false)).ToHashSet();
        }

        await DropLostChunksAsync(staged, stages, ct).ConfigureAwait(false);
        var sumVersions = await sums.GetFileVersionsAsync(ct).ConfigureAwait(false);
        var keep = staged.Select(s => files.StagedPath(s.Round, s.Participant, s.Index, s.Sha)).ToHashSet(StringComparer.Ordinal);
        foreach (var (round, stage) in stages)
        {
            DeleteSupersededSums(round, sumVersions);
            string dir = files.StagedDirectory(round);
            if (stage.IsTerminal())
            {
                ChunkFiles.TryDeleteDirectory(dir);
                continue;
            }

            if (!Directory.Exists(dir))
            {
                continue;
            }

            foreach (string f in Directory.EnumerateFiles(dir))
            {
                string name = Path.GetFileName(f);
                int dot = name.IndexOf('.', StringComparison.Ordinal);
                string participant = dot > 0 ? name[..dot] : name;
                bool old = File.GetLastWriteTimeUtc(f) < DateTime.UtcNow - AbandonedAfter;
                bool temp = name.Contains(".tmp-", StringComparison.Ordinal);

                // While a round collects, another process may be staging a file whose row is not committed yet: only
                // a counted upload's unnamed files (its rows were sealed) and old temporaries are certainly garbage.
                bool garbage = RoundRepository.IsCollecting(stage) ? countedSet.Contains((round, participant)) || (temp && old) : !temp || old;
                if (!keep.Contains(f) && garbage)
                {
                    ChunkFiles.TryDelete(f);
                }
            }
        }
    }

    private async Task DropLostChunksAsync(List<(long Round, string Participant, int Index, byte[] Sha, int Length)> staged, Dictionary<long, RoundStage> stages, CancellationToken ct)
    {
        var lost = new Dictionary<(long, string), int>();
        foreach (var s in staged)
        {
            if (lost.ContainsKey((s.Round, s.Participant)))
            {
                continue;
            }

            if (await ChunkFiles.ReadVerifiedAsync(files.StagedPath(s.Round, s.Participant, s.Index, s.Sha), s.Length, s.Sha, ct).ConfigureAwait(false) is { } ok)
            {
                ChunkFiles.Return(ok);
            }
            else
            {
                lost[(s.Round, s.Participant)] = s.Index;
            }
        }

        foreach (var ((round, participant), index) in lost)
        {
            try
            {
                await counted.DropLostAsync(round, participant, index, ct).ConfigureAwait(false);
            }
            catch (StoreCorruptException e) when (stages.TryGetValue(round, out var stage) && !RoundRepository.IsCollecting(stage))
            {
                Log.RoundSumIncomplete(logger, round, e.Message); // sealing the round's sum reports it again
            }
        }
    }

    private void DeleteSupersededSums(long round, Dictionary<(long Round, int Index), int> versions)
    {
        string dir = files.RoundDirectory(round);
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (string f in Directory.EnumerateFiles(dir, "sum.*"))
        {
            string[] parts = Path.GetFileName(f).Split('.');
            if (parts.Length == 4 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int index) && int.TryParse(parts[2], CultureInfo.InvariantCulture, out int version)
                && versions.TryGetValue((round, index), out int current) && version < current)
            {
                ChunkFiles.TryDelete(f); // superseded: the database names a newer version
            }
            else if (parts.Length > 4 && File.GetLastWriteTimeUtc(f) < DateTime.UtcNow - AbandonedAfter)
            {
                ChunkFiles.TryDelete(f); // an abandoned temporary
            }
        }
    }
}

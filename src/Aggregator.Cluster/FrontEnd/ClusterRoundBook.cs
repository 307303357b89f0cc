using System.Collections.Concurrent;
using System.Globalization;
using Grpc.Core;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using WireChunkRange = SecAgg.Proto.V1.ChunkRange;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// The rounds as a silo's front end reads them: the latest round from the consortium grain, each round's state from its
/// round grain (never cached: another silo may have moved it), each round's <see cref="RoundParameters"/> rebuilt once per
/// silo from what opened it (fixed for the round), why no round is open, and the newest published model version.
/// </summary>
internal sealed class ClusterRoundBook(IGrainFactory grains, ClusterConsortium consortium, IKeyEpochReadiness readiness, OpeningNotes notes)
{
    private readonly ConcurrentDictionary<long, RoundParameters> _parameters = new();

    /// <summary>The consortium grain.</summary>
    public IConsortiumGrain Consortium => grains.GetGrain<IConsortiumGrain>(0);

    /// <summary>Round <paramref name="number"/>'s grain.</summary>
    public IRoundGrain Round(long number) => grains.GetGrain<IRoundGrain>(number);

    /// <summary>The latest round opened (0 before round 1).</summary>
    public Task<long> LatestAsync() => Consortium.GetLatestRoundAsync();

    /// <summary>Round <paramref name="requested"/> (0 = the latest) and the latest round's number; the view is null when that round was never opened.</summary>
    public async Task<(RoundView? Round, long Latest)> FindAsync(ulong requested)
    {
        long latest = await LatestAsync().ConfigureAwait(false);
        long number = requested == 0 ? latest : (long)Math.Min(requested, long.MaxValue);
        if (number == 0 || number > latest)
        {
            return (null, latest); // never asks a round grain that cannot exist (no activation for a made-up number)
        }

        RoundView view = await Round(number).GetAsync().ConfigureAwait(false);
        return (view.Stage == "none" ? null : view, latest);
    }

    /// <summary>Round <paramref name="requested"/> (0 = the latest).</summary>
    /// <exception cref="RefusalException">NOT_FOUND: no such round (yet), with why.</exception>
    public async Task<RoundView> RequireAsync(ulong requested)
    {
        (RoundView? view, long latest) = await FindAsync(requested).ConfigureAwait(false);
        if (view is not null)
        {
            return view;
        }

        string why = await WhyNotOpenAsync(requested, latest).ConfigureAwait(false) ?? "it has not opened yet";
        throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound,
            requested == 0 ? $"no round has been opened yet: {why}" : $"round {requested} does not exist: {why}", requested);
    }

    /// <summary>
    /// Why <paramref name="requested"/> (0 = the next round) is not open given the latest round: beyond the planned rounds,
    /// the privacy budget exhausted (as this silo's opener last heard it), the key epoch not ready, or not yet its turn;
    /// null when it is or will be open.
    /// </summary>
    public async Task<string?> WhyNotOpenAsync(ulong requested, long latest)
    {
        RoundView? latestView = latest == 0 ? null : await Round(latest).GetAsync().ConfigureAwait(false);
        bool finished = latestView is { Stage: RoundStages.Published or RoundStages.Aborted };
        long next = latest == 0 ? 1 : finished ? latest + 1 : latest;
        if (requested != 0 && latest > 0 && (long)requested <= latest)
        {
            return null;
        }

        int planned = consortium.Roster.Descriptor.Rounds;
        if (requested > (ulong)planned || (requested == 0 && next > planned))
        {
            ulong which = requested == 0 ? (ulong)next : requested;
            return string.Create(CultureInfo.InvariantCulture,
                $"round {which} is beyond the planned rounds: the consortium plans {planned} rounds (dp.rounds), and the privacy budget is sized for them");
        }

        if (notes.BudgetExhausted is { } budget)
        {
            return budget;
        }

        if (await readiness.ReadySeedAsync(CancellationToken.None).ConfigureAwait(false) is null)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the key epoch {consortium.EpochId} is not ready: rounds open once every participant committed, revealed and acknowledged its key shares (secagg participant join)");
        }

        return requested > (ulong)next
            ? string.Create(CultureInfo.InvariantCulture, $"round {requested} has not opened yet; the next round is {next} (rounds open one after another)")
            : null;
    }

    /// <summary>The parameters of an opened round, rebuilt once per silo from its opening (the silo's own preset and epoch; every field checked).</summary>
    public async Task<RoundParameters> ParametersAsync(long round)
    {
        if (_parameters.TryGetValue(round, out RoundParameters? p))
        {
            return p;
        }

        RoundOpening opening = await Round(round).GetOpeningAsync().ConfigureAwait(false);
        p = RoundConfiguration.Rebuild(consortium, round, opening.Configuration, opening.EpochSeed, opening.ParameterDigest, opening.ChunkCount);
        return _parameters.GetOrAdd(round, p);
    }

    /// <summary>
    /// The newest published model version: that of the latest published round at or before <paramref name="latest"/>
    /// (aborted rounds publish nothing); 0, the initial model, when none was published.
    /// </summary>
    public async Task<long> PublishedVersionAsync(long latest)
    {
        for (long r = latest; r >= 1; r--)
        {
            if ((await Round(r).GetAsync().ConfigureAwait(false)).ModelVersion is { } version)
            {
                return version;
            }
        }

        return 0;
    }

    /// <summary>The wire form of a grain's stage name.</summary>
    public static WireStage ToWire(string stage) => stage switch
    {
        RoundStages.Open => WireStage.Open,
        RoundStages.Collecting => WireStage.Collecting,
        RoundStages.Approving => WireStage.Approving,
        RoundStages.Decrypting => WireStage.Decrypting,
        RoundStages.Published => WireStage.Published,
        RoundStages.Aborted => WireStage.Aborted,
        _ => WireStage.Unspecified,
    };

    /// <summary>Chunk indices as runs of consecutive indices.</summary>
    public static IEnumerable<WireChunkRange> Ranges(IEnumerable<int> indices)
    {
        WireChunkRange? run = null;
        foreach (int i in indices.Distinct().Order())
        {
            if (run is not null && run.First + run.Count == (uint)i)
            {
                run.Count++;
                continue;
            }

            if (run is not null)
            {
                yield return run;
            }

            run = new WireChunkRange { First = (uint)i, Count = 1 };
        }

        if (run is not null)
        {
            yield return run;
        }
    }
}

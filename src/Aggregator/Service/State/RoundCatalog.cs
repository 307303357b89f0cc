using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Grpc.Core;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The rounds as the calls see them: the round store, the newest round as last seen (for metrics), and each round's
/// parameters, rebuilt from its stored base model version with <see cref="RoundParameters.Create"/> (the consortium's
/// preset, the key epoch and its public seed, the layout), exactly as every participant computes them.
/// </summary>
internal sealed class RoundCatalog(IAggregatorStore store, ServiceStateStore docs, ProtocolPreset preset, KeyEpochState epoch, TensorLayout layout)
{
    private readonly ConcurrentDictionary<long, RoundParameters> _parameters = new();
    private readonly Lock _currentGate = new();
    private volatile RoundState? _current;
    private TaskCompletionSource _moved = NewMove();

    /// <summary>
    /// Raised, in order and under a lock, each time <see cref="Current"/> moves to another round or stage: the state
    /// before (null at start-up) and after. Handlers must be quick (logging, metrics).
    /// </summary>
    public event Action<RoundState?, RoundState>? Advanced;

    /// <summary>
    /// A task that completes the next time <see cref="Current"/> moves to another round or stage (what the long polls wait
    /// for). Read it before reading the state it guards, then wait on it: a move in between has completed it already.
    /// </summary>
    public Task NextMove => Volatile.Read(ref _moved).Task;

    /// <summary>The round store.</summary>
    public IAggregatorStore Store => store;

    /// <summary>Why no round opens now (set by the driver when the privacy budget stops it), or null.</summary>
    public string? BudgetExhausted { get; set; }

    /// <summary>
    /// The newest round state the service saw (gauges, status page). A stale state (an older round, or an earlier stage
    /// of the same round, as a call that read it before the driver moved on may offer) never replaces a newer one.
    /// </summary>
    public RoundState? Current
    {
        get => _current;
        set
        {
            if (value is null)
            {
                return;
            }

            lock (_currentGate)
            {
                RoundState? before = _current;
                if (before is not null && (value.Number < before.Number || (value.Number == before.Number && value.Stage < before.Stage)))
                {
                    return; // stages only move forward (the enum is declared in lifecycle order)
                }

                _current = value;
                if (before is null || before.Number != value.Number || before.Stage != value.Stage)
                {
                    Advanced?.Invoke(before, value);
                    TaskCompletionSource moved = _moved;
                    Volatile.Write(ref _moved, NewMove());
                    moved.TrySetResult(); // the waiters' continuations run on the pool, not under this lock
                }
            }
        }
    }

    private static TaskCompletionSource NewMove() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The round <paramref name="requested"/> (0 = the newest), or null.</summary>
    public async Task<RoundState?> FindAsync(ulong requested, CancellationToken ct) => requested == 0
        ? await store.GetLatestRoundAsync(ct).ConfigureAwait(false)
        : await store.GetRoundAsync((long)requested, ct).ConfigureAwait(false);

    /// <summary>The round <paramref name="requested"/> (0 = the newest).</summary>
    /// <exception cref="RefusalException">NOT_FOUND: no such round (yet), with why.</exception>
    public async Task<RoundState> RequireAsync(ulong requested, Func<ulong, RoundState?, string?> whyNotOpen, CancellationToken ct)
    {
        RoundState? r = await FindAsync(requested, ct).ConfigureAwait(false);
        if (r is not null)
        {
            return r;
        }

        string why = whyNotOpen(requested, await store.GetLatestRoundAsync(ct).ConfigureAwait(false)) ?? "it has not opened yet";
        throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound,
            requested == 0 ? $"no round has been opened yet: {why}" : $"round {requested} does not exist: {why}", requested);
    }

    /// <summary>Stores the base model version of round <paramref name="round"/> before it opens (fixed for the round).</summary>
    public async Task<RoundParameters> CreateParametersAsync(long round, long baseVersion, CancellationToken ct)
    {
        byte[] doc = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(doc, baseVersion);
        await docs.PutAsync(DocumentKeys.Round(round), doc, ct).ConfigureAwait(false);
        _parameters.TryRemove(round, out _);
        return await ParametersAsync(round, ct).ConfigureAwait(false);
    }

    /// <summary>The parameters of round <paramref name="round"/> (its digest covers the consortium, aggregation parameters, epoch, layout, rotation seed and DP values).</summary>
    public async Task<RoundParameters> ParametersAsync(long round, CancellationToken ct)
    {
        if (_parameters.TryGetValue(round, out RoundParameters? p))
        {
            return p;
        }

        byte[] doc = await docs.GetAsync(DocumentKeys.Round(round), ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"round {round}'s parameters are missing from the database");
        byte[] seed = epoch.Seed ?? throw new InvalidOperationException($"round {round} exists but the key epoch has no seed");
        p = RoundParameters.Create(preset, (ulong)round, (ulong)BinaryPrimitives.ReadInt64LittleEndian(doc), ConsortiumRoster.EpochId, seed, layout);
        return _parameters.GetOrAdd(round, p);
    }

    /// <summary>The current round's participants per stage (submitted, decryption answered), for the gauge.</summary>
    public IEnumerable<Measurement<int>> ParticipantsPerStage()
    {
        if (_current is { } r)
        {
            yield return new Measurement<int>(r.Summands, new KeyValuePair<string, object?>("stage", "submitted"));
            yield return new Measurement<int>(r.SharesReceived.Length, new KeyValuePair<string, object?>("stage", "decryption_answered"));
        }
    }

    /// <summary>The wire form of a round stage.</summary>
    public static WireStage ToWire(CoreStage stage) => stage switch
    {
        CoreStage.Open => WireStage.Open,
        CoreStage.Collecting => WireStage.Collecting,
        CoreStage.Approving => WireStage.Approving,
        CoreStage.Decrypting => WireStage.Decrypting,
        CoreStage.Published => WireStage.Published,
        CoreStage.Aborted => WireStage.Aborted,
        _ => WireStage.Unspecified,
    };

    /// <summary>Chunk indices as runs of consecutive indices.</summary>
    public static IEnumerable<ChunkRange> Ranges(IEnumerable<int> indices)
    {
        ChunkRange? current = null;
        foreach (int i in indices.Order())
        {
            if (current is not null && current.First + current.Count == (uint)i)
            {
                current.Count++;
                continue;
            }

            if (current is not null)
            {
                yield return current;
            }

            current = new ChunkRange { First = (uint)i, Count = 1 };
        }

        if (current is not null)
        {
            yield return current;
        }
    }
}

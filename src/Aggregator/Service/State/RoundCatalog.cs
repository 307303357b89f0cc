using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Grpc.Core;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Storage;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using WireStage = SecAgg.Proto.V1.RoundStage;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The rounds as the calls see them: the round store, the newest round as last seen (for metrics), each round's
/// parameters (rebuilt from its stored rotation seed, base model version and max weight) and the aggregate of a
/// round whose collection closed, opened once and kept until the round finishes.
/// </summary>
internal sealed class RoundCatalog(IAggregatorStore store, UploadAccumulator accumulator, ServiceStateStore docs, ProtocolPreset preset, DdgParameters ddg, TensorLayout layout)
{
    private readonly ConcurrentDictionary<long, RoundParameters> _parameters = new();
    private readonly ConcurrentDictionary<long, AggregateChunk[]> _aggregates = new();
    private readonly Lock _currentGate = new();
    private volatile RoundState? _current;

    /// <summary>
    /// Raised, in order and under a lock, each time <see cref="Current"/> moves to another round or stage: the state
    /// before (null at start-up) and after. Handlers must be quick (logging, metrics).
    /// </summary>
    public event Action<RoundState?, RoundState>? Advanced;

    /// <summary>The round store.</summary>
    public IAggregatorStore Store => store;

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
                }
            }
        }
    }

    /// <summary>The round <paramref name="requested"/> (0 = the newest).</summary>
    /// <exception cref="RefusalException">NOT_FOUND: no such round (yet).</exception>
    public async Task<RoundState> RequireAsync(ulong requested, CancellationToken ct)
    {
        RoundState? r = requested == 0
            ? await store.GetLatestRoundAsync(ct).ConfigureAwait(false)
            : await store.GetRoundAsync((long)requested, ct).ConfigureAwait(false);
        return r ?? throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound,
            requested == 0 ? "no round has been opened yet (the key epoch may still be collecting public-key shares)" : $"round {requested} does not exist", requested);
    }

    /// <summary>
    /// Stores the parameters of round <paramref name="round"/> before it opens: a fresh public rotation seed, the base
    /// model version and the max weight, fixed for the round even if the consortium file changes later.
    /// </summary>
    public async Task<RoundParameters> CreateParametersAsync(long round, long baseVersion, ulong maxWeight, CancellationToken ct)
    {
        // rotation seed (32) | base model version (8) | max weight (8). Written before the round exists; a crash in
        // between leaves a document the next open overwrites.
        byte[] doc = new byte[48];
        System.Security.Cryptography.RandomNumberGenerator.Fill(doc.AsSpan(0, 32));
        BinaryPrimitives.WriteInt64LittleEndian(doc.AsSpan(32), baseVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(doc.AsSpan(40), maxWeight);
        await docs.PutAsync(DocumentKeys.Round(round), doc, ct).ConfigureAwait(false);
        _parameters.TryRemove(round, out _);
        return await ParametersAsync(round, ct).ConfigureAwait(false);
    }

    /// <summary>The parameters of round <paramref name="round"/> (its digest covers layout, quantization, HE parameters and epoch).</summary>
    public async Task<RoundParameters> ParametersAsync(long round, CancellationToken ct)
    {
        if (_parameters.TryGetValue(round, out RoundParameters? p))
        {
            return p;
        }

        byte[] doc = await docs.GetAsync(DocumentKeys.Round(round), ct).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"round {round}'s parameters are missing from the database");
        long baseVersion = BinaryPrimitives.ReadInt64LittleEndian(doc.AsSpan(32));
        ulong maxWeight = doc.Length >= 48 ? BinaryPrimitives.ReadUInt64LittleEndian(doc.AsSpan(40)) : 1; // rounds opened before weights: 1
        p = RoundParameters.Create(
            (ulong)round, (ulong)baseVersion, ConsortiumRoster.EpochId, layout, preset.Scheme, preset.Name, ddg, preset.Ddg.ParameterSetId(preset.IsInsecureForTests), doc.AsSpan(0, 32), maxWeight);
        return _parameters.GetOrAdd(round, p);
    }

    /// <summary>
    /// The round's aggregate (its summed chunks, opened for decryption), read once and cached. The running sum is sealed
    /// into the round's durable sum first (a no-op once it is).
    /// </summary>
    public async Task<AggregateChunk[]> AggregateAsync(RoundState r, CancellationToken ct)
    {
        if (_aggregates.TryGetValue(r.Number, out AggregateChunk[]? cached))
        {
            return cached;
        }

        await accumulator.SealAsync(r.Number, ct).ConfigureAwait(false);

        var chunks = new AggregateChunk[r.ChunkCount];
        for (int i = 0; i < chunks.Length; i++)
        {
            var sum = await store.ReadSumChunkAsync(r.Number, i, ct).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"round {r.Number} has no sum at chunk {i}");
            chunks[i] = preset.Scheme.OpenAggregate(sum.Sum);
        }

        return _aggregates.GetOrAdd(r.Number, chunks);
    }

    /// <summary>Drops the cached aggregate of a round (re-read next time).</summary>
    public void ForgetAggregate(long round) => _aggregates.TryRemove(round, out _);

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

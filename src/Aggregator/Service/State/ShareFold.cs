using System.Collections.Concurrent;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The decryption shares of decrypting rounds added up as they are accepted, one <see cref="ShareCombiner"/> per chunk
/// (n·L·8 bytes each), so that publishing a round adds the sum of the uploads and decodes, instead of reading back and
/// decoding |D| shares per chunk first. Memory only: a cache of what <see cref="ShareVault"/> holds durably. Publishing
/// falls back to the vault for a chunk whose fold does not hold exactly D's shares (after a restart, or when a share
/// could not be added), and nothing is folded for a round whose folds would exceed <see cref="MaxBytes"/>. Only shares
/// that were checked against the session and stored are added (the order of <c>DecryptionDesk</c>), so a fold
/// never holds what the vault does not. Thread-safe.
/// </summary>
internal sealed class ShareFold
{
    /// <summary>The most memory one round's folds may take (beyond it, publishing reads the shares back).</summary>
    public const long MaxBytes = 256L << 20;

    private readonly ConcurrentDictionary<(long Round, int Chunk), Entry> _chunks = new();

    /// <summary>Adds member <paramref name="party"/>'s checked and stored share of <paramref name="chunk"/> (a repeat of
    /// a member's share is ignored; a share that cannot be added leaves the chunk to the vault).</summary>
    public void Add(long round, int chunkCount, CiphertextScheme scheme, SetDecryptionSession session, int chunk, int party, ReadOnlySpan<byte> share)
    {
        AggregationParameters p = scheme.Parameters;
        if ((long)chunkCount * p.RingDegree * p.Primes.Count * sizeof(ulong) > MaxBytes)
        {
            return;
        }

        Entry entry = _chunks.GetOrAdd((round, chunk), static (key, args) => new Entry(args.Scheme.StartCombine(args.Session, key.Chunk)), (Scheme: scheme, Session: session));
        lock (entry)
        {
            if (entry.Broken || entry.Combiner.Contains(party))
            {
                return;
            }

            try
            {
                entry.Combiner.Add(share);
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or ArgumentException)
            {
                entry.Broken = true; // publishing combines this chunk from the vault, which checks every share again
            }
        }
    }

    /// <summary>Removes chunk <paramref name="chunk"/>'s fold and returns it when it holds the shares of exactly
    /// <paramref name="parties"/> (D's Shamir points), else null: combine that chunk from the vault.</summary>
    public ShareCombiner? Take(long round, int chunk, IReadOnlyCollection<int> parties)
    {
        if (!_chunks.TryRemove((round, chunk), out Entry? entry))
        {
            return null;
        }

        lock (entry)
        {
            return !entry.Broken && entry.Combiner.Count == parties.Count && parties.All(entry.Combiner.Contains) ? entry.Combiner : null;
        }
    }

    /// <summary>Drops a finished round's folds.</summary>
    public void Forget(long round)
    {
        foreach ((long Round, int Chunk) key in _chunks.Keys)
        {
            if (key.Round == round)
            {
                _chunks.TryRemove(key, out _);
            }
        }
    }

    private sealed class Entry(ShareCombiner combiner)
    {
        public ShareCombiner Combiner { get; } = combiner;

        public bool Broken { get; set; }
    }
}

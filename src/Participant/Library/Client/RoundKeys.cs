using SecAgg.Protocol.Epoch;

namespace SecAgg.Participant.Client;

/// <summary>
/// The epoch keys a round's upload loaded, kept for that round's decryption answer so that a warm participant parses
/// its key file once per round instead of twice (issue 17: the second load cost about as much as the first, ~15 MB of
/// fresh arrays). At most one set is kept. Trade-off: the epoch secrets (s_i and the Shamir shares, which are in the 0600
/// key file anyway) stay in this process's memory from the upload until the round's decryption answer ends (or the next
/// upload, or <see cref="Dispose"/>), instead of only during each step; they are wiped (<see cref="EpochKeys.Dispose"/>)
/// then, never logged. Each use holds a <see cref="Lease"/>, so a set is wiped only once no step uses it any more.
/// With <c>keepBetweenRounds</c> (<see cref="ParticipantClientOptions.KeepEpochKeysBetweenRounds"/>, the default) the
/// kept set is not given up when a round's work is over: it serves every later round of its epoch, until another epoch's
/// keys replace it or <see cref="Dispose"/>; a warm participant then reads its key file once per epoch instead of once
/// per round. Thread-safe. <c>load</c> reads an epoch's keys (<see cref="KeyEpochJoin.LoadKeys"/>).
/// </summary>
internal sealed class RoundKeys(Func<ulong, EpochKeys> load, bool keepBetweenRounds = false) : IDisposable
{
    private readonly Lock _gate = new();
    private Entry? _kept;

    /// <summary>The keys of <paramref name="epoch"/> for the upload of <paramref name="round"/>, kept for its decryption.</summary>
    public Lease ForUpload(ulong epoch, ulong round)
    {
        lock (_gate)
        {
            if (_kept is { } kept && kept.Epoch == epoch)
            {
                kept.Round = round;
                return kept.Acquire();
            }
        }

        return Keep(epoch, round);
    }

    /// <summary>Loads <paramref name="epoch"/>'s keys as the kept set (the one it replaces is wiped once unused).</summary>
    private Lease Keep(ulong epoch, ulong round)
    {
        var entry = new Entry(epoch, round, load(epoch), kept: true);
        lock (_gate)
        {
            Entry? replaced = _kept;
            _kept = entry;
            replaced?.Unkeep();
            return entry.Acquire();
        }
    }

    /// <summary>The keys of <paramref name="epoch"/> for the decryption answer of <paramref name="round"/>: the set its
    /// upload kept (no longer kept afterwards when it was kept for this round, unless kept between rounds), else a fresh
    /// load (kept for later rounds when kept between rounds).</summary>
    public Lease ForDecryption(ulong epoch, ulong round)
    {
        lock (_gate)
        {
            if (_kept is { } kept && kept.Epoch == epoch)
            {
                return kept.Acquire();
            }
        }

        return keepBetweenRounds ? Keep(epoch, round) : new Entry(epoch, round, load(epoch), kept: false).Acquire();
    }

    /// <summary>The round's work is over (its decryption answered or refused): the set kept for it is wiped once unused
    /// (unless kept between rounds).</summary>
    public void Release(ulong round)
    {
        if (keepBetweenRounds)
        {
            return;
        }

        lock (_gate)
        {
            if (_kept is { } kept && kept.Round == round)
            {
                _kept = null;
                kept.Unkeep();
            }
        }
    }

    /// <summary>Wipes the kept set (once no step uses it).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _kept?.Unkeep();
            _kept = null;
        }
    }

    /// <summary>One step's use of a set of keys; disposing it wipes the set when it is neither kept nor used elsewhere.</summary>
    public sealed class Lease : IDisposable
    {
        private Entry? _entry;

        internal Lease(Entry entry) => _entry = entry;

        /// <summary>The keys (valid until the lease is disposed).</summary>
        public EpochKeys Keys => (_entry ?? throw new ObjectDisposedException(nameof(Lease))).Keys;

        /// <summary>Ends the use.</summary>
        public void Dispose()
        {
            Interlocked.Exchange(ref _entry, null)?.Return();
        }
    }

    /// <summary>A loaded set with its use count.</summary>
    internal sealed class Entry(ulong epoch, ulong round, EpochKeys keys, bool kept)
    {
        private readonly Lock _gate = new();
        private int _uses;
        private bool _kept = kept;

        public ulong Epoch { get; } = epoch;

        public ulong Round { get; set; } = round;

        public EpochKeys Keys { get; } = keys;

        public Lease Acquire()
        {
            lock (_gate)
            {
                _uses++;
                return new Lease(this);
            }
        }

        public void Return()
        {
            lock (_gate)
            {
                _uses--;
                WipeIfUnused();
            }
        }

        public void Unkeep()
        {
            lock (_gate)
            {
                _kept = false;
                WipeIfUnused();
            }
        }

        private void WipeIfUnused()
        {
            if (_uses == 0 && !_kept)
            {
                Keys.Dispose();
            }
        }
    }
}

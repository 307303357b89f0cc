using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The key epoch's durable state (protocol v2, docs/threat-model.md "Key epoch") and its in-memory view: every
/// participant's signed EpochCommit and EpochReveal (insert-once, exactly as signed), the sealed threshold-share blobs
/// it relays, the acknowledgements, and the public epoch seed it derives with <see cref="EpochSeed.Derive"/> once all N
/// reveals are in. Stage: COMMITTING until N commits, REVEALING until the seed and N acknowledgements, then READY.
/// Every document is insert-once, so the caches never go stale; after a restart they are rebuilt from the database.
/// <paramref name="shared"/>: other processes (the silos of a cluster) record into the same documents, so
/// <see cref="SyncAsync"/> re-reads what they recorded (at most every <see cref="SyncInterval"/>, until READY) and waits
/// are re-checked that often (<see cref="Recheck"/>): any silo answers as the one that took the call.
/// </summary>
internal sealed class KeyEpochState(ServiceStateStore docs, ConsortiumRoster roster, DriverSignal driver, ILogger logger, bool shared = false) : IKeyEpochReadiness
{
    /// <summary>How often a shared epoch is re-read from the store while calls ask (and waits re-checked).</summary>
    public static readonly TimeSpan SyncInterval = TimeSpan.FromMilliseconds(250);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _sync = new(1, 1);
    private long _syncedAt;
    private readonly ConcurrentDictionary<string, SignedStatement> _commits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SignedStatement> _reveals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _acks = new(StringComparer.Ordinal);
    private volatile byte[]? _seed;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _blobsArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The public epoch seed, once all N reveals are in (else null).</summary>
    public byte[]? Seed => _seed;

    /// <summary>The epoch's stage now.</summary>
    public KeyEpochStage Stage =>
        _commits.Count < roster.Count ? KeyEpochStage.Committing
        : _seed is null || _acks.Count < roster.Count ? KeyEpochStage.Revealing
        : KeyEpochStage.Ready;

    /// <summary>Whether rounds may open.</summary>
    public bool IsReady => Stage == KeyEpochStage.Ready;

    /// <summary>The longest a wait for the next change may last before the state is read again: <see cref="SyncInterval"/> when shared, else unbounded.</summary>
    public TimeSpan Recheck => shared ? SyncInterval : Timeout.InfiniteTimeSpan;

    /// <inheritdoc/>
    public async Task<byte[]?> ReadySeedAsync(CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken).ConfigureAwait(false);
        return IsReady ? _seed : null;
    }

    /// <summary>
    /// Shared: reads the commits, reveals, acknowledgements, certificates and seed other processes recorded since the last
    /// read (at most every <see cref="SyncInterval"/>; nothing once READY, when only blobs still arrive and those are read
    /// from the store on every fetch) and wakes the waits when something new arrived. Not shared: nothing to do.
    /// </summary>
    public async ValueTask SyncAsync(CancellationToken ct) => await SyncAsync(force: false, ct).ConfigureAwait(false);

    /// <summary>As <see cref="SyncAsync(CancellationToken)"/>; <paramref name="force"/> reads now (after this process recorded something, so its counts include every process's).</summary>
    private async ValueTask SyncAsync(bool force, CancellationToken ct)
    {
        if (!shared || IsReady || (!force && Stopwatch.GetElapsedTime(Volatile.Read(ref _syncedAt)) < SyncInterval))
        {
            return;
        }

        await _sync.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (force || Stopwatch.GetElapsedTime(Volatile.Read(ref _syncedAt)) >= SyncInterval)
            {
                bool changed = await LoadAsync(ct).ConfigureAwait(false);
                Volatile.Write(ref _syncedAt, Stopwatch.GetTimestamp());
                if (changed)
                {
                    Changed();
                    if (IsReady)
                    {
                        driver.Wake();
                    }
                }
            }
        }
        finally
        {
            _sync.Release();
        }
    }

    /// <summary>Whether all N commits are in (reveals and blobs are accepted from then on).</summary>
    public bool AllCommitsIn => _commits.Count == roster.Count;

    /// <summary>Whether all N reveals are in.</summary>
    public bool AllRevealsIn => _reveals.Count == roster.Count;

    /// <summary>Whether <paramref name="id"/>'s commit, reveal or acknowledgement is recorded.</summary>
    public bool HasCommit(string id) => _commits.ContainsKey(id);

    public bool HasReveal(string id) => _reveals.ContainsKey(id);

    public bool HasAck(string id) => _acks.ContainsKey(id);

    /// <summary>Number of acknowledgements.</summary>
    public int Acknowledged => _acks.Count;

    /// <summary>The recorded commits in roster order.</summary>
    public IReadOnlyList<SignedStatement> Commits => InRosterOrder(_commits);

    /// <summary>The recorded reveals in roster order.</summary>
    public IReadOnlyList<SignedStatement> Reveals => InRosterOrder(_reveals);

    /// <summary>Whom the current stage waits for.</summary>
    public IEnumerable<string> WaitingFor() => Stage switch
    {
        KeyEpochStage.Committing => roster.Ids.Where(id => !_commits.ContainsKey(id)),
        KeyEpochStage.Revealing => roster.Ids.Where(id => !_reveals.ContainsKey(id) || !_acks.ContainsKey(id)),
        _ => [],
    };

    /// <summary>Completes at the next recorded commit, reveal or acknowledgement (take it before reading).</summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary>The signal that completes when the next threshold-share blob is stored (take it before listing).</summary>
    public Task NextBlobSignal => Volatile.Read(ref _blobsArrived).Task;

    /// <summary>
    /// Checks that the database's epoch belongs to this consortium (its digest), re-admits the certificates seen before a
    /// restart, and loads the statements, acknowledgements and seed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The database holds a key epoch of another consortium file.</exception>
    public async Task InitializeAsync(CancellationToken ct)
    {
        byte[] digest = roster.Descriptor.Digest.ToArray();
        byte[] stored = await docs.InsertIfAbsentAsync(DocumentKeys.EpochConsortium, digest, ct).ConfigureAwait(false);
        if (!stored.AsSpan().SequenceEqual(digest))
        {
            throw new InvalidOperationException(
                $"The database holds a key epoch of another consortium (digest {Convert.ToHexString(stored)[..16]}…, the file gives {roster.Descriptor.FormatDigest()}); restore the file, or start a new database for a new key epoch.");
        }

        await LoadAsync(ct).ConfigureAwait(false);
        Volatile.Write(ref _syncedAt, Stopwatch.GetTimestamp());
    }

    /// <summary>Reads the recorded documents into the caches (the certificates into the roster); derives a missing seed once all reveals are in. True when something was new.</summary>
    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        bool changed = false;
        foreach (var (key, value) in await docs.ListAsync(DocumentKeys.CommitPrefix, ct).ConfigureAwait(false))
        {
            changed |= _commits.TryAdd(key[DocumentKeys.CommitPrefix.Length..], SignedStatement.Deserialize(value));
        }

        foreach (var (key, value) in await docs.ListAsync(DocumentKeys.RevealPrefix, ct).ConfigureAwait(false))
        {
            changed |= _reveals.TryAdd(key[DocumentKeys.RevealPrefix.Length..], SignedStatement.Deserialize(value));
        }

        foreach (string key in await docs.ListKeysAsync(DocumentKeys.AckPrefix, ct).ConfigureAwait(false))
        {
            changed |= _acks.TryAdd(key[DocumentKeys.AckPrefix.Length..], true);
        }

        // After the statements: a certificate is recorded before its owner's first statement, so every signer read above
        // has its certificate in this listing (read first, a commit recorded in between would arrive without it).
        foreach (var (key, der) in await docs.ListAsync(DocumentKeys.CertificatePrefix, ct).ConfigureAwait(false))
        {
            string id = key[DocumentKeys.CertificatePrefix.Length..];
            if (roster.CertificateOf(id) is null)
            {
                using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(der);
                roster.Admit(id, certificate);
                changed = true;
            }
        }

        if (_seed is null)
        {
            _seed = await docs.GetAsync(DocumentKeys.EpochSeed, ct).ConfigureAwait(false);
            if (_seed is null && AllRevealsIn)
            {
                await DeriveSeedAsync(ct).ConfigureAwait(false); // a crash between the last reveal and the seed, or another silo's
            }

            changed |= _seed is not null;
        }

        return changed;
    }

    /// <summary>Persists the caller's certificate (DER) once, so its statements verify after a restart.</summary>
    public async Task RememberCertificateAsync(string id, CancellationToken ct)
    {
        if (roster.CertificateOf(id) is { } der)
        {
            await docs.InsertIfAbsentAsync(DocumentKeys.Certificate(id), der, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Records <paramref name="caller"/>'s verified commit once; returns the number of commits, or null when a different
    /// commit of the caller is already recorded.
    /// </summary>
    public Task<int?> AcceptCommitAsync(string caller, SignedStatement commit, CancellationToken ct) =>
        AcceptAsync(_commits, DocumentKeys.Commit(caller), caller, commit, "commit", ct);

    /// <summary>Records <paramref name="caller"/>'s verified reveal once (null: a different payload is recorded; the same payload re-signed keeps the first); derives the seed at the N-th.</summary>
    public async Task<int?> AcceptRevealAsync(string caller, SignedStatement reveal, CancellationToken ct)
    {
        int? count = await AcceptAsync(_reveals, DocumentKeys.Reveal(caller), caller, reveal, "reveal", ct).ConfigureAwait(false);
        if (count == roster.Count && _seed is null)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (_seed is null)
                {
                    await DeriveSeedAsync(ct).ConfigureAwait(false);
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        return count;
    }

    /// <summary>Records <paramref name="caller"/>'s acknowledgement; returns how many acknowledged.</summary>
    public async Task<int> AcknowledgeAsync(string caller, CancellationToken ct)
    {
        await docs.InsertIfAbsentAsync(DocumentKeys.Ack(caller), [1], ct).ConfigureAwait(false);
        _acks[caller] = true;
        await SyncAsync(force: true, ct).ConfigureAwait(false);
        ServiceLog.EpochStepAccepted(logger, ConsortiumRoster.EpochId, "acknowledgement", caller, _acks.Count, roster.Count);
        Changed();
        if (IsReady)
        {
            ServiceLog.EpochReady(logger, ConsortiumRoster.EpochId);
            driver.Wake(); // round 1 can open now
        }

        return _acks.Count;
    }

    /// <summary>
    /// Stores the blob from <paramref name="sender"/> to <paramref name="recipient"/> exactly once (the same bytes again
    /// are acknowledged) and wakes waiting fetches; false when a different blob is already stored.
    /// </summary>
    public async Task<bool> StoreBlobAsync(string sender, string recipient, byte[] canonical, CancellationToken ct)
    {
        byte[] kept = await docs.InsertIfAbsentAsync(DocumentKeys.Threshold(recipient, sender), canonical, ct).ConfigureAwait(false);
        if (!kept.AsSpan().SequenceEqual(canonical))
        {
            return false;
        }

        Interlocked.Exchange(ref _blobsArrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return true;
    }

    /// <summary>The blobs stored for <paramref name="recipient"/> from senders not in <paramref name="skip"/>, read one at a time.</summary>
    public async IAsyncEnumerable<ThresholdShareBlob> BlobsForAsync(string recipient, IReadOnlySet<string> skip, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string prefix = DocumentKeys.ThresholdPrefix(recipient);
        foreach (string key in await docs.ListKeysAsync(prefix, ct).ConfigureAwait(false))
        {
            if (!skip.Contains(key[prefix.Length..]) && await docs.GetAsync(key, ct).ConfigureAwait(false) is { } value)
            {
                yield return ThresholdShareBlob.Parser.ParseFrom(value);
            }
        }
    }

    private async Task<int?> AcceptAsync(ConcurrentDictionary<string, SignedStatement> cache, string key, string caller, SignedStatement statement, string what, CancellationToken ct)
    {
        byte[] canonical = statement.Serialize();
        byte[] stored = await docs.InsertIfAbsentAsync(key, canonical, ct).ConfigureAwait(false);
        if (!stored.AsSpan().SequenceEqual(canonical))
        {
            // ECDSA signatures are randomized: a participant that re-signs the same statement after a restart sends other
            // bytes. The caller verified this signature; the same signed payload keeps the first one, another is refused.
            SignedStatement first = SignedStatement.Deserialize(stored);
            if (!first.Statement.Span.SequenceEqual(statement.Statement.Span))
            {
                return null;
            }

            statement = first;
        }

        bool added = cache.TryAdd(caller, statement);
        await SyncAsync(force: true, ct).ConfigureAwait(false);
        int count = cache.Count;
        if (added)
        {
            ServiceLog.EpochStepAccepted(logger, ConsortiumRoster.EpochId, what, caller, count, roster.Count);
            Changed();
        }

        return count;
    }

    private async Task DeriveSeedAsync(CancellationToken ct)
    {
        byte[] seed = EpochSeed.Derive(roster.Pins, ConsortiumRoster.EpochId, Commits.ToArray(), Reveals.ToArray());
        await docs.InsertIfAbsentAsync(DocumentKeys.EpochSeed, seed, ct).ConfigureAwait(false);
        _seed = seed;
        Changed();
    }

    private void Changed() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private List<SignedStatement> InRosterOrder(ConcurrentDictionary<string, SignedStatement> statements) =>
        [.. roster.Ids.Where(statements.ContainsKey).Select(id => statements[id])];
}

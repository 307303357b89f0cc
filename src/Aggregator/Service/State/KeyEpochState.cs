using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Aggregator.Service.State;

/// <summary>What the epoch's calls need from an accepted public-key share (insert-once, so cached for good).</summary>
/// <param name="KeyAgreementPublicKey">The participant's P-256 key-agreement key (SubjectPublicKeyInfo DER).</param>
/// <param name="ShareDigest">SHA-256 of its public-key share.</param>
internal sealed record AcceptedShare(ByteString KeyAgreementPublicKey, ByteString ShareDigest);

/// <summary>
/// The key epoch's durable state and its in-memory caches: the CRS seed, the accepted public-key shares, whether the
/// collective key exists, and the finished <see cref="Proto.V1.CollectivePublicKey"/> answer. Every document is
/// insert-once, so the caches never go stale; after a restart they are rebuilt from the database. Join cost: a share
/// is ~n·log q bits (3 MB at n = 32768), so the shares are parsed once, not per call.
/// </summary>
internal sealed class KeyEpochState(ServiceStateStore docs, ProtocolPreset preset, ConsortiumRoster roster, DriverSignal driver, ILogger logger)
{
    private readonly SemaphoreSlim _shareGate = new(1, 1);
    private ConcurrentDictionary<string, AcceptedShare>? _acceptedShares;
    private ByteString? _seed;
    private volatile Proto.V1.CollectivePublicKey? _collectiveKey;
    private volatile bool _keyReady;
    private TaskCompletionSource _blobsArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The finished collective-key answer, once every share is in (it never changes after).</summary>
    public Proto.V1.CollectivePublicKey? CollectiveKeyAnswer
    {
        get => _collectiveKey;
        set => _collectiveKey = value;
    }

    /// <summary>Draws the CRS seed at first start and checks that the database's epoch was made under these HE parameters and participants.</summary>
    /// <exception cref="InvalidOperationException">The database holds a key epoch of another consortium file.</exception>
    public async Task InitializeAsync(CancellationToken ct)
    {
        await docs.InsertIfAbsentAsync(DocumentKeys.EpochSeed, CommonReferencePolynomial.NewSeed(), ct).ConfigureAwait(false);
        byte[] he = preset.Scheme.ToContract(preset.Name).ToByteArray();
        byte[] storedHe = await docs.InsertIfAbsentAsync(DocumentKeys.EpochHe, he, ct).ConfigureAwait(false);
        if (!storedHe.AsSpan().SequenceEqual(he))
        {
            throw new InvalidOperationException(
                "The database holds a key epoch made under different HE parameters or participants than the consortium file now gives; restore the file, or start a new database for a new key epoch.");
        }
    }

    /// <summary>The 32-byte public CRS seed.</summary>
    public async Task<ByteString> SeedAsync(CancellationToken ct) =>
        _seed ??= ByteString.CopyFrom((await docs.GetAsync(DocumentKeys.EpochSeed, ct).ConfigureAwait(false))!);

    /// <summary>The accepted public-key shares by participant, loaded from the database once.</summary>
    public async Task<ConcurrentDictionary<string, AcceptedShare>> AcceptedSharesAsync(CancellationToken ct)
    {
        if (_acceptedShares is { } cached)
        {
            return cached;
        }

        var loaded = new ConcurrentDictionary<string, AcceptedShare>(StringComparer.Ordinal);
        foreach (var (key, value) in await docs.ListAsync(DocumentKeys.PublicKeySharePrefix, ct).ConfigureAwait(false))
        {
            loaded[key[DocumentKeys.PublicKeySharePrefix.Length..]] = Accepted(UploadPublicKeyShareRequest.Parser.ParseFrom(value));
        }

        return Interlocked.CompareExchange(ref _acceptedShares, loaded, null) ?? loaded;
    }

    /// <summary>Whether the collective key is stored (checked by key, without reading the multi-megabyte value).</summary>
    public async Task<bool> IsKeyReadyAsync(CancellationToken ct) =>
        _keyReady || (_keyReady = (await docs.ListKeysAsync(DocumentKeys.EpochKey, ct).ConfigureAwait(false)).Contains(DocumentKeys.EpochKey, StringComparer.Ordinal));

    /// <summary>The stored collective key (Σ p_i, serialized), or null before every share is in.</summary>
    public Task<byte[]?> CollectiveKeyAsync(CancellationToken ct) => docs.GetAsync(DocumentKeys.EpochKey, ct);

    /// <summary>
    /// Records <paramref name="caller"/>'s share exactly once (the same bytes again: the same answer) and, when it is
    /// the last of the N, sums the collective key. Returns the number of shares received, or null when a different
    /// share of the caller is already recorded.
    /// </summary>
    public async Task<int?> AcceptShareAsync(string caller, byte[] canonical, CancellationToken ct)
    {
        await _shareGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            byte[] stored = await docs.InsertIfAbsentAsync(DocumentKeys.PublicKeyShare(caller), canonical, ct).ConfigureAwait(false);
            if (!stored.AsSpan().SequenceEqual(canonical))
            {
                return null;
            }

            var accepted = await AcceptedSharesAsync(ct).ConfigureAwait(false);
            accepted.TryAdd(caller, Accepted(UploadPublicKeyShareRequest.Parser.ParseFrom(stored)));
            int count = accepted.Count;
            ServiceLog.PublicKeyShareAccepted(logger, ConsortiumRoster.EpochId, caller, count, roster.Count);
            if (count == roster.Count && await docs.GetAsync(DocumentKeys.EpochKey, ct).ConfigureAwait(false) is null)
            {
                await FinalizeCollectiveKeyAsync(ct).ConfigureAwait(false);
            }

            return count;
        }
        finally
        {
            _shareGate.Release();
        }
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

        SignalBlobs();
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

    /// <summary>The signal that completes when the next threshold-share blob is stored (take it before listing).</summary>
    public Task NextBlobSignal => Volatile.Read(ref _blobsArrived).Task;

    private void SignalBlobs() => Interlocked.Exchange(ref _blobsArrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task FinalizeCollectiveKeyAsync(CancellationToken ct)
    {
        var protocol = new PublicKeyGenProtocol(preset.He);
        PublicKeyShare sum = protocol.AllocateShare();
        foreach (var (_, value) in await docs.ListAsync(DocumentKeys.PublicKeySharePrefix, ct).ConfigureAwait(false))
        {
            var request = UploadPublicKeyShareRequest.Parser.ParseFrom(value);
            protocol.AggregateShares(sum, PublicKeyShare.Deserialize(preset.He, request.PublicKeyShare.Span), sum);
        }

        byte[] seed = (await docs.GetAsync(DocumentKeys.EpochSeed, ct).ConfigureAwait(false))!;
        Crypto.Multiparty.CollectivePublicKey key = protocol.Finalize(sum, CommonReferencePolynomial.Expand(preset.He, seed));
        await docs.PutAsync(DocumentKeys.EpochKey, key.Serialize(), ct).ConfigureAwait(false);
        _keyReady = true;
        ServiceLog.CollectiveKeyReady(logger, ConsortiumRoster.EpochId);
        driver.Wake(); // round 1 can open now
    }

    private static AcceptedShare Accepted(UploadPublicKeyShareRequest r) =>
        new(r.KeyAgreementPublicKey, ByteString.CopyFrom(SHA256.HashData(r.PublicKeyShare.Span)));
}

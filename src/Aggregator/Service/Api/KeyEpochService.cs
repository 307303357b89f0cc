using Google.Protobuf;
using Grpc.Core;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Statements;
using KeyEpochApi = SecAgg.Proto.V1.KeyEpoch;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// secagg.v1.KeyEpoch, protocol v2: the aggregator relays. It accepts a signed EpochCommit / EpochReveal only from the
/// participant it names, verified under that participant's pinned certificate for this consortium and epoch; serves
/// the N commits only once all N are in (so nobody reveals before everyone committed), the reveals likewise; relays the
/// sealed threshold-share blobs (dealer → recipient, opaque to it); records acknowledgements, and derives the public
/// epoch seed once all reveals are in. Every call is authenticated by <see cref="AuthenticationInterceptor"/> first.
/// </summary>
internal sealed class KeyEpochService(KeyEpochState epoch, ConsortiumRoster roster, ProtocolPreset preset, AggregatorMetrics metrics) : KeyEpochApi.KeyEpochBase
{
    /// <summary>Largest threshold-share blob relayed (bytes).</summary>
    public const int MaxThresholdBlobBytes = 4 << 20;

    public override async Task<EpochInfo> GetEpochInfo(GetEpochInfoRequest request, ServerCallContext context)
    {
        CheckEpochExists(request.EpochId);
        await epoch.SyncAsync(context.CallToken()).ConfigureAwait(false);
        var info = new EpochInfo
        {
            EpochId = ConsortiumRoster.EpochId,
            ConsortiumId = roster.Descriptor.ConsortiumId,
            HeParameters = preset.Scheme.ToContract(preset.Name),
            Threshold = (uint)roster.Descriptor.Threshold,
            Stage = epoch.Stage,
            ConsortiumDigest = ByteString.CopyFrom(roster.Descriptor.Digest.Span),
        };
        foreach (string id in roster.Ids)
        {
            var pi = new ParticipantInfo
            {
                ParticipantId = id,
                ShamirPoint = (ulong)roster.PointOf(id),
                CommitReceived = epoch.HasCommit(id),
                RevealReceived = epoch.HasReveal(id),
                KeySharesAcknowledged = epoch.HasAck(id),
            };
            if (roster.CertificateOf(id) is { } der)
            {
                pi.CertificateDer = ByteString.CopyFrom(der);
            }

            info.Participants.Add(pi);
        }

        info.WaitingFor.AddRange(epoch.WaitingFor());
        return info;
    }

    public override async Task<SubmitStatementResponse> SubmitCommit(SubmitStatementRequest request, ServerCallContext context)
    {
        string caller = context.Caller();
        CheckCurrentEpoch(request.EpochId);
        SignedStatement signed = SignedStatements.FromWire(request.Statement, "statement");
        SignedStatements.VerifyOwn<EpochCommit>(roster.Verifier, caller, signed);
        CancellationToken ct = context.CallToken();
        await epoch.RememberCertificateAsync(caller, ct).ConfigureAwait(false);
        int count = await epoch.AcceptCommitAsync(caller, signed, ct).ConfigureAwait(false)
            ?? throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate,
                $"a different EpochCommit of yours is already recorded for key epoch {ConsortiumRoster.EpochId}; a commit is accepted exactly once (resume with the state that made the first one)");
        return new SubmitStatementResponse { Received = (uint)count };
    }

    public override Task<StatementList> GetCommits(GetStatementsRequest request, ServerCallContext context) =>
        StatementsAsync(request, () => epoch.AllCommitsIn, () => epoch.Commits, id => epoch.HasCommit(id), context);

    public override async Task<SubmitStatementResponse> SubmitReveal(SubmitStatementRequest request, ServerCallContext context)
    {
        string caller = context.Caller();
        CheckCurrentEpoch(request.EpochId);
        await epoch.SyncAsync(context.CallToken()).ConfigureAwait(false);
        RequireAllCommits("reveals");

        SignedStatement signed = SignedStatements.FromWire(request.Statement, "statement");
        EpochReveal reveal = SignedStatements.VerifyOwn<EpochReveal>(roster.Verifier, caller, signed);
        SignedStatement ownCommit = epoch.Commits.First(c => Statement.Parse(c.Statement.Span).ParticipantId == caller);
        if (!reveal.Matches(EpochCommit.Parse(ownCommit.Statement.Span)))
        {
            throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.StatementRejected,
                "the EpochReveal does not match your EpochCommit (SHA-256 of the revealed contribution differs from the committed one)");
        }

        int count;
        try
        {
            count = await epoch.AcceptRevealAsync(caller, signed, context.CallToken()).ConfigureAwait(false)
                ?? throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate,
                    $"a different EpochReveal of yours is already recorded for key epoch {ConsortiumRoster.EpochId}; a reveal is accepted exactly once");
        }
        catch (Protocol.Epoch.KeyEpochException e)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.StatementRejected, $"the epoch seed cannot be derived: {e.Message}");
        }

        return new SubmitStatementResponse { Received = (uint)count };
    }

    public override Task<StatementList> GetReveals(GetStatementsRequest request, ServerCallContext context) =>
        StatementsAsync(request, () => epoch.AllRevealsIn, () => epoch.Reveals, id => epoch.HasReveal(id), context);

    public override async Task<UploadThresholdSharesResponse> UploadThresholdShares(IAsyncStreamReader<ThresholdShareBlob> requestStream, ServerCallContext context)
    {
        string caller = context.Caller();
        var stored = new SortedSet<string>(StringComparer.Ordinal);
        CancellationToken ct = context.CallToken();
        while (await requestStream.MoveNext(ct).ConfigureAwait(false))
        {
            ThresholdShareBlob blob = requestStream.Current;
            ParticipantAuthenticator.RequireSelf(context, blob.SenderId);
            CheckCurrentEpoch(blob.EpochId);
            await epoch.SyncAsync(ct).ConfigureAwait(false);
            RequireAllCommits("threshold-share blobs");

            if (!roster.IsEnrolled(blob.RecipientId) || blob.RecipientId == caller)
            {
                throw RefusalException.Invalid($"recipient '{blob.RecipientId}' is not another enrolled participant");
            }

            if (blob.Ciphertext.IsEmpty || blob.Ciphertext.Length > MaxThresholdBlobBytes)
            {
                throw new RefusalException(StatusCode.InvalidArgument, ErrorReason.TooLarge, $"a threshold-share blob must have 1 to {MaxThresholdBlobBytes} bytes; got {blob.Ciphertext.Length}");
            }

            metrics.BytesReceived.Add(blob.Ciphertext.Length);
            var canonical = new ThresholdShareBlob { EpochId = ConsortiumRoster.EpochId, SenderId = caller, RecipientId = blob.RecipientId, Ciphertext = blob.Ciphertext }.ToByteArray();
            if (!await epoch.StoreBlobAsync(caller, blob.RecipientId, canonical, ct).ConfigureAwait(false))
            {
                throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate, $"a different blob from you to '{blob.RecipientId}' is already stored; blobs are relayed exactly once");
            }

            stored.Add(blob.RecipientId);
        }

        var response = new UploadThresholdSharesResponse();
        response.StoredRecipientIds.AddRange(stored);
        return response;
    }

    public override async Task FetchThresholdShares(FetchThresholdSharesRequest request, IServerStreamWriter<ThresholdShareBlob> responseStream, ServerCallContext context)
    {
        string caller = context.Caller();
        CheckEpochExists(request.EpochId);
        CancellationToken ct = context.CallToken();
        var sent = new HashSet<string>(request.HaveSenderIds.Where(id => roster.IsEnrolled(id) && id != caller), StringComparer.Ordinal);
        int expected = roster.Count - 1;

        // A transport-level wait (not a protocol deadline), so real time rather than the service's clock.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan wait = TimeSpan.FromMilliseconds(Math.Min(request.WaitMillis, LongPoll.MaxWaitMillis));
        while (true)
        {
            // Take the signal before listing, so that a blob stored after the listing wakes the wait below.
            Task arrived = epoch.NextBlobSignal;
            await foreach (ThresholdShareBlob blob in epoch.BlobsForAsync(caller, sent, ct).ConfigureAwait(false))
            {
                await responseStream.WriteAsync(blob, ct).ConfigureAwait(false);
                sent.Add(blob.SenderId);
            }

            TimeSpan left = wait - waited.Elapsed;
            if (sent.Count >= expected || left <= TimeSpan.Zero)
            {
                return;
            }

            await WaitAsync(arrived, Shorter(left, epoch.Recheck), ct).ConfigureAwait(false);
        }
    }

    public override async Task<AcknowledgeKeySharesResponse> AcknowledgeKeyShares(AcknowledgeKeySharesRequest request, ServerCallContext context)
    {
        string caller = context.Caller();
        CheckCurrentEpoch(request.EpochId);
        await epoch.SyncAsync(context.CallToken()).ConfigureAwait(false);
        if (!epoch.AllRevealsIn)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongStage,
                $"key shares are acknowledged once all {roster.Count} reveals are in (the epoch is {epoch.Stage}); waiting for {string.Join(", ", epoch.WaitingFor())}");
        }

        int count = await epoch.AcknowledgeAsync(caller, context.CallToken()).ConfigureAwait(false);
        return new AcknowledgeKeySharesResponse { Acknowledged = (uint)count, Stage = epoch.Stage };
    }

    private async Task<StatementList> StatementsAsync(
        GetStatementsRequest request, Func<bool> complete, Func<IReadOnlyList<SignedStatement>> statements, Func<string, bool> has, ServerCallContext context)
    {
        CheckEpochExists(request.EpochId);
        CancellationToken ct = context.CallToken();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan wait = TimeSpan.FromMilliseconds(Math.Min(request.WaitMillis, LongPoll.MaxWaitMillis));
        while (true)
        {
            Task changed = epoch.NextChange;
            await epoch.SyncAsync(ct).ConfigureAwait(false);
            if (complete())
            {
                var list = new StatementList { Complete = true };
                list.Statements.AddRange(statements().Select(SignedStatements.ToWire));
                return list;
            }

            TimeSpan left = wait - waited.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                // Nothing is served before all N are in: nobody sees another's commit before committing itself.
                var partial = new StatementList { Complete = false };
                partial.WaitingFor.AddRange(roster.Ids.Where(id => !has(id)));
                return partial;
            }

            await WaitAsync(changed, Shorter(left, epoch.Recheck), ct).ConfigureAwait(false);
        }
    }

    private void RequireAllCommits(string what)
    {
        if (!epoch.AllCommitsIn)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongStage,
                $"{what} are accepted once all {roster.Count} commits are in; waiting for commits from {string.Join(", ", epoch.WaitingFor())}");
        }
    }

    private static TimeSpan Shorter(TimeSpan left, TimeSpan recheck) => recheck == Timeout.InfiniteTimeSpan || left < recheck ? left : recheck;

    private static async Task WaitAsync(Task signal, TimeSpan left, CancellationToken ct)
    {
        try
        {
            await signal.WaitAsync(left, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }

    private static void CheckEpochExists(ulong epochId)
    {
        if (epochId is not (0 or ConsortiumRoster.EpochId))
        {
            throw new RefusalException(StatusCode.NotFound, ErrorReason.NotFound, $"key epoch {epochId} does not exist; the current epoch is {ConsortiumRoster.EpochId}");
        }
    }

    private static void CheckCurrentEpoch(ulong epochId)
    {
        if (epochId != ConsortiumRoster.EpochId)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, ErrorReason.WrongStage,
                $"epoch_id {epochId} is not the current key epoch {ConsortiumRoster.EpochId}; statements are accepted for the current epoch only");
        }
    }
}

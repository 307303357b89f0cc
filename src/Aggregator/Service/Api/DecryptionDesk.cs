using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.State;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using CoreStage = SecAgg.Aggregator.Rounds.RoundStage;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Collective decryption for the members of a round's fixed decryption set D (docs/threat-model.md, "Round r"): the
/// session (U's signed commitments and approvals, D, the chunk count; no ciphertext leaves, each member derives the
/// round polynomials itself), then the members' set-bound shares, each checked with
/// <see cref="CiphertextScheme.TryCheckShare"/> against the session the aggregator fixed and stored once.
/// </summary>
internal sealed class DecryptionDesk(
    RoundCatalog rounds, OpeningReasons reasons, ProtocolPreset preset, UploadDocuments uploads, ApprovalDesk approvals, ShareVault shares, ShareFold fold, ConsortiumRoster roster,
    RoundCoordinator coordinator, DriverSignal driver, AggregatorMetrics metrics, ILoggerFactory loggers)
{
    private readonly ConcurrentDictionary<long, SetDecryptionSession> _sessions = new();
    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Service");

    /// <summary>The crypto session of a decrypting round (U and D as fixed), built once.</summary>
    public async Task<SetDecryptionSession> SessionOfAsync(RoundState r, CancellationToken ct)
    {
        if (_sessions.TryGetValue(r.Number, out SetDecryptionSession? s))
        {
            return s;
        }

        RoundParameters p = await rounds.ParametersAsync(r.Number, ct).ConfigureAwait(false);
        return _sessions.GetOrAdd(r.Number, p.CreateSession(roster.InPointOrder(r.Contributors), roster.InPointOrder(r.DecryptionSet)));
    }

    /// <summary>Forgets a finished round's session.</summary>
    public void Forget(long round) => _sessions.TryRemove(round, out _);

    /// <summary>Rounds.GetDecryptionSession: waits (up to wait_millis) for DECRYPTING, then the session for a member of D.</summary>
    public Task<V1.DecryptionSession> SessionAsync(GetDecryptionSessionRequest request, ServerCallContext context)
    {
        string caller = context.Caller();
        CancellationToken ct = context.CallToken();
        return LongPoll.UntilAsync<V1.DecryptionSession>(request.WaitMillis, async waited =>
        {
            RoundState r = await rounds.RequireAsync(request.Round, reasons.Why, ct).ConfigureAwait(false);
            var answer = new V1.DecryptionSession { Round = (ulong)r.Number, KeyEpochId = ConsortiumRoster.EpochId, Stage = RoundCatalog.ToWire(r.Stage), TotalChunks = (uint)r.ChunkCount };
            if (r.Stage is CoreStage.Decrypting or CoreStage.Published)
            {
                RequireInD(r, caller); // D is fixed: a participant outside it is told so
            }

            if (r.Stage == CoreStage.Decrypting)
            {
                answer.DecryptionSet.AddRange(roster.InPointOrder(r.DecryptionSet));
                answer.Commitments.AddRange((await uploads.CommitmentsOfAsync(r, roster, ct).ConfigureAwait(false)).Select(SignedStatements.ToWire));
                answer.Approvals.AddRange((await approvals.ApprovalsOfAsync(r, ct).ConfigureAwait(false)).Select(SignedStatements.ToWire));
                answer.DecryptDeadline = Timestamp.FromDateTimeOffset(r.DecryptDeadline!.Value);
                return answer;
            }

            return r.Stage is CoreStage.Published or CoreStage.Aborted || waited ? answer : null;
        }, () => rounds.NextMove, ct);
    }

    /// <summary>Rounds.UploadDecryptionShares: stores each checked share once; when the caller answered every chunk its shares count as complete.</summary>
    public async Task<UploadDecryptionSharesResponse> ReceiveSharesAsync(IAsyncStreamReader<V1.DecryptionShare> requests, ServerCallContext context)
    {
        string caller = context.Caller();
        CancellationToken ct = context.CallToken();
        RoundState? r = null;
        SetDecryptionSession? session = null;
        CiphertextScheme scheme = preset.Scheme;
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            V1.DecryptionShare msg = requests.Current;
            ParticipantAuthenticator.RequireSelf(context, msg.ParticipantId);
            if (r is null || (ulong)r.Number != msg.Round)
            {
                r = await rounds.RequireAsync(msg.Round, reasons.Why, ct).ConfigureAwait(false);
                CheckAnswering(r, caller, msg.Round);
                session = await SessionOfAsync(r, ct).ConfigureAwait(false);
            }

            if (msg.ChunkIndex >= (uint)r.ChunkCount)
            {
                throw new RefusalException(StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"chunk {msg.ChunkIndex} is outside 0..{r.ChunkCount - 1}", msg.Round, msg.ChunkIndex);
            }

            metrics.BytesReceived.Add(msg.Share.Length);
            if (!scheme.TryCheckShare(msg.Share.Span, session!, (int)msg.ChunkIndex, roster.PointOf(caller), out string? problem))
            {
                throw RefusalException.Invalid($"the share for chunk {msg.ChunkIndex} is refused: {problem}", msg.Round, msg.ChunkIndex);
            }

            if (!await shares.StoreAsync(r.Number, caller, (int)msg.ChunkIndex, msg.Share.Memory, ct).ConfigureAwait(false))
            {
                throw new RefusalException(StatusCode.AlreadyExists, ErrorReason.Duplicate,
                    $"a different share for chunk {msg.ChunkIndex} is already recorded; a member answers each chunk of a session once", msg.Round, msg.ChunkIndex);
            }

            fold.Add(r.Number, r.ChunkCount, scheme, session!, (int)msg.ChunkIndex, roster.PointOf(caller), msg.Share.Span); // checked and stored: added up now, not at publish
            metrics.SharesReceived.Add(1);
            PooledPayloads.Release(msg); // stored: nothing refers to its bytes any more
        }

        return r is null ? new UploadDecryptionSharesResponse() : await AnsweredAsync(r, caller, ct).ConfigureAwait(false);
    }

    private static void CheckAnswering(RoundState r, string caller, ulong wireRound)
    {
        if (r.Stage != CoreStage.Decrypting)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, r.Stage == CoreStage.Aborted ? ErrorReason.RoundAborted : ErrorReason.WrongStage,
                $"round {r.Number} is {RoundStages.Name(r.Stage)}, not decrypting; shares are accepted only while it decrypts", wireRound);
        }

        RequireInD(r, caller);
    }

    private static void RequireInD(RoundState r, string caller)
    {
        if (!RoundState.Has(r.DecryptionSet, caller))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.NotInSet,
                $"you are not in round {r.Number}'s decryption set [{string.Join(", ", r.DecryptionSet)}]", (ulong)r.Number);
        }
    }

    /// <summary>The caller's answered chunks; records its shares complete (once) when every chunk is answered.</summary>
    private async Task<UploadDecryptionSharesResponse> AnsweredAsync(RoundState r, string caller, CancellationToken ct)
    {
        List<int> held = await shares.HeldAsync(r.Number, caller, ct).ConfigureAwait(false);
        var response = new UploadDecryptionSharesResponse { AcceptedCount = (uint)held.Count, Complete = held.Count == r.ChunkCount };
        response.Accepted.AddRange(RoundCatalog.Ranges(held));
        if (response.Complete && !RoundState.Has(r.SharesReceived, caller))
        {
            try
            {
                rounds.Current = await coordinator.ReceiveShareAsync(r.Number, caller, ct).ConfigureAwait(false);
                ServiceLog.SharesComplete(_logger, r.Number, caller);
            }
            catch (RoundStateException e) when (e.Error == RoundError.Duplicate)
            {
            }
            catch (RoundStateException e)
            {
                throw new RefusalException(e.Error == RoundError.DeadlinePassed ? StatusCode.DeadlineExceeded : StatusCode.FailedPrecondition, ErrorReason.WrongStage, e.Message, (ulong)r.Number);
            }

            driver.Wake();
        }

        return response;
    }
}

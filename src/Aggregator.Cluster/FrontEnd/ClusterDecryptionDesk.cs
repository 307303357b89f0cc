using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.FrontEnd;

/// <summary>
/// Rounds.GetDecryptionSession and UploadDecryptionShares over the grains, with the single-process DecryptionDesk's rules:
/// the session (U's signed commitments and approvals, D, the chunk count, the decrypt deadline) goes to the members of D
/// once the round decrypts (a long poll before); each share, sent by the AUTHENTICATED caller, is checked and stored once by
/// the silo's <see cref="IShareIngestGrain"/>, which records the member complete with its last chunk.
/// </summary>
internal sealed class ClusterDecryptionDesk(ClusterRoundBook book, ClusterApprovalDesk approvals, IGrainFactory grains, ClusterConsortium consortium)
{
    private IShareIngestGrain Shares => grains.GetGrain<IShareIngestGrain>(0);

    /// <summary>Rounds.GetDecryptionSession: waits (up to wait_millis) for DECRYPTING, then the session for a member of D.</summary>
    public Task<V1.DecryptionSession> SessionAsync(GetDecryptionSessionRequest request, ServerCallContext context)
    {
        string caller = ParticipantCalls.Caller(context);
        return ParticipantCalls.LongPollAsync<V1.DecryptionSession>(request.WaitMillis, async waited =>
        {
            RoundView r = await book.RequireAsync(request.Round).ConfigureAwait(false);
            var answer = new V1.DecryptionSession { Round = (ulong)r.Number, KeyEpochId = consortium.EpochId, Stage = ClusterRoundBook.ToWire(r.Stage), TotalChunks = (uint)r.ChunkCount };
            if (r.Stage is RoundStages.Decrypting or RoundStages.Published)
            {
                RequireInD(r, caller); // D is fixed: a participant outside it is told so
            }

            if (r.Stage == RoundStages.Decrypting)
            {
                answer.DecryptionSet.AddRange(consortium.InPointOrder(r.DecryptionSet));
                answer.Commitments.AddRange(await approvals.CommitmentsAsync(r.Number).ConfigureAwait(false));
                answer.Approvals.AddRange(await approvals.ApprovalsAsync(r.Number).ConfigureAwait(false));
                answer.DecryptDeadline = Timestamp.FromDateTimeOffset(r.DecryptDeadline!.Value);
                return answer;
            }

            return r.Stage is RoundStages.Published or RoundStages.Aborted || waited ? answer : null;
        }, ParticipantCalls.CallToken(context));
    }

    /// <summary>
    /// Rounds.UploadDecryptionShares: each share stored once through the share worker. The answer lists the chunks this
    /// stream's shares were held for (every chunk once the store holds the caller's share of each) and counts the caller's
    /// shares the store holds.
    /// </summary>
    public async Task<UploadDecryptionSharesResponse> ReceiveSharesAsync(IAsyncStreamReader<V1.DecryptionShare> requests, ServerCallContext context)
    {
        string caller = ParticipantCalls.Caller(context);
        CancellationToken ct = ParticipantCalls.CallToken(context);
        RoundView? r = null;
        var held = new HashSet<int>();
        int stored = 0;
        while (await requests.MoveNext(ct).ConfigureAwait(false))
        {
            V1.DecryptionShare msg = requests.Current;
            ParticipantCalls.RequireSelf(context, msg.ParticipantId);
            if (r is null || (ulong)r.Number != msg.Round)
            {
                r = await book.RequireAsync(msg.Round).ConfigureAwait(false);
                CheckAnswering(r, caller, msg.Round);
                held.Clear();
            }

            if (msg.ChunkIndex >= (uint)r.ChunkCount)
            {
                throw new RefusalException(StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"chunk {msg.ChunkIndex} is outside 0..{r.ChunkCount - 1}", msg.Round, msg.ChunkIndex);
            }

            ShareOutcome outcome = await Shares.SubmitShareAsync(r.Number, caller, (int)msg.ChunkIndex, ClusterPayloads.ArrayOf(msg.Share)).ConfigureAwait(false);
            if (!outcome.Accepted)
            {
                throw ClusterRefusals.From(outcome, msg.Round, msg.ChunkIndex);
            }

            held.Add((int)msg.ChunkIndex);
            stored = outcome.Held;
        }

        if (r is null)
        {
            return new UploadDecryptionSharesResponse();
        }

        bool complete = stored == r.ChunkCount;
        var response = new UploadDecryptionSharesResponse { AcceptedCount = (uint)stored, Complete = complete };
        response.Accepted.AddRange(ClusterRoundBook.Ranges(complete ? Enumerable.Range(0, r.ChunkCount) : held));
        return response;
    }

    private static void CheckAnswering(RoundView r, string caller, ulong wireRound)
    {
        if (r.Stage != RoundStages.Decrypting)
        {
            throw new RefusalException(StatusCode.FailedPrecondition, r.Stage == RoundStages.Aborted ? ErrorReason.RoundAborted : ErrorReason.WrongStage,
                $"round {r.Number} is {r.Stage}, not decrypting; shares are accepted only while it decrypts", wireRound);
        }

        RequireInD(r, caller);
    }

    private static void RequireInD(RoundView r, string caller)
    {
        if (!r.DecryptionSet.Contains(caller, StringComparer.Ordinal))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.NotInSet,
                $"you are not in round {r.Number}'s decryption set [{string.Join(", ", r.DecryptionSet)}]", (ulong)r.Number);
        }
    }
}

using Google.Protobuf;
using Grpc.Core;
using SecAgg.Proto.V1;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Participant.Client;

/// <summary>
/// Answers a round's decryption requests, page by page (PollDecryptionRequests), waiting while the round still
/// collects. Each c1 goes through the one-share-per-ciphertext guard, so a repeated request returns the stored share
/// and a request under another decryption set is refused (<see cref="Crypto.Multiparty.ShareAlreadyIssuedException"/>).
/// </summary>
internal sealed class DecryptionResponder(AggregatorSession session)
{
    private const uint PageSize = 16;

    /// <summary>Returns the number of shares uploaded (0 when this participant is not in the decryption set or the round ended).</summary>
    public async Task<int> AnswerAsync(ulong round, CancellationToken ct)
    {
        ParticipantEpoch epoch = await session.EpochAsync(ct).ConfigureAwait(false);
        var shares = new List<V1.DecryptionShare>();
        uint next = 0;
        while (true)
        {
            DecryptionRequestBatch? batch;
            try
            {
                batch = await PageAsync(round, next, ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied && next == 0)
            {
                // The aggregator refuses requests from outside the round's fixed decryption set (ERROR_REASON_IDENTITY_MISMATCH).
                return 0;
            }

            if (batch.Stage is RoundStage.Aborted or RoundStage.Published || !batch.Session.DecryptionSet.Contains(session.Id))
            {
                return 0;
            }

            int[] set = [.. batch.Session.DecryptionSet.Select(epoch.PartyIdOf)];
            foreach (DecryptionRequest request in batch.Requests)
            {
                if (!epoch.Crypto.Scheme.RequestDigest(request.C1.Span).AsSpan().SequenceEqual(request.CiphertextDigest.Span))
                {
                    throw new InvalidDataException($"Decryption request for chunk {request.ChunkIndex} carries a digest that does not match its c1; refusing to answer.");
                }

                byte[] share = epoch.Crypto.AnswerDecryption(request.C1.Span, set, (int)batch.Session.Summands);
                shares.Add(new V1.DecryptionShare
                {
                    Round = round,
                    ChunkIndex = request.ChunkIndex,
                    CiphertextDigest = request.CiphertextDigest,
                    Share = ByteString.CopyFrom(share),
                    ParticipantId = session.Id,
                });
            }

            next = batch.NextChunkIndex;
            if (next >= batch.Session.TotalChunks)
            {
                break;
            }
        }

        using var call = session.Rounds.UploadDecryptionShares(AggregatorSession.Call(ct));
        await call.SendAsync(shares, ct).ConfigureAwait(false);
        return shares.Count;
    }

    /// <summary>A page of requests from <paramref name="first"/> on, once the round decrypts (or has ended).</summary>
    private Task<DecryptionRequestBatch> PageAsync(ulong round, uint first, CancellationToken ct)
    {
        var request = new PollDecryptionRequestsRequest { Round = round, FirstChunkIndex = first, MaxRequests = PageSize };
        return session.Retry.WaitAsync(
            "decryption requests",
            t => session.Rounds.PollDecryptionRequestsAsync(request, AggregatorSession.Call(t)).ResponseAsync,
            o => o.Result is { } b && b.Stage is not (RoundStage.Aborted or RoundStage.Published) && (b.Stage != RoundStage.Decrypting || b.Session is null)
                ? $"round {round} is {b.Stage}, not decrypting yet"
                : null,
            int.MaxValue,
            ct);
    }
}

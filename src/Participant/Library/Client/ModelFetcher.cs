using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Grpc.Core;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Participant.Client;

/// <summary>Waiting for a round's publication, and downloading a published global model with its digest checked.</summary>
internal sealed class ModelFetcher(AggregatorSession session)
{
    /// <summary>Waits until a round is published and returns the model version it published.</summary>
    /// <exception cref="InvalidOperationException">The round was aborted (the message says why; nothing was decrypted).</exception>
    public async Task<ulong> WaitForPublicationAsync(ulong round, CancellationToken ct)
    {
        RoundStatus status = await session.Retry.WaitAsync(
            "publication",
            t => session.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = round }, AggregatorSession.Call(t)).ResponseAsync,
            o => o.Result is { Stage: not (RoundStage.Published or RoundStage.Aborted) } s ? $"round {s.Round} is {s.Stage} ({s.ParticipantsSubmitted} of {s.ExpectedParticipants} uploads)" : null,
            int.MaxValue,
            ct).ConfigureAwait(false);
        return status.Stage == RoundStage.Aborted
            ? throw new InvalidOperationException($"Round {status.Round} was aborted ({status.AbortReason}): {status.AbortMessage}")
            : status.PublishedModelVersion;
    }

    /// <summary>Downloads a published global model (0 = the newest) and checks its digest.</summary>
    /// <exception cref="InvalidDataException">The stream is malformed or the values do not match the header's digest.</exception>
    public async Task<GlobalModel> FetchAsync(ulong modelVersion, CancellationToken ct)
    {
        GlobalModelHeader? header = null;
        float[]? values = null;
        using var call = session.Rounds.DownloadGlobalModel(new DownloadGlobalModelRequest { ModelVersion = modelVersion }, AggregatorSession.Call(ct));
        await foreach (GlobalModelMessage message in call.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
        {
            if (message.KindCase == GlobalModelMessage.KindOneofCase.Header)
            {
                header = message.Header;
                values = new float[checked((int)header.Layout.TotalElements)];
            }
            else if (header is null || values is null)
            {
                throw new InvalidDataException("The global model stream sent data before its header.");
            }
            else
            {
                GlobalModelData data = message.Data;
                if (data.Offset + (ulong)data.Values.Count > (ulong)values.Length)
                {
                    throw new InvalidDataException($"Model data at offset {data.Offset} runs past the {values.Length} values of the layout.");
                }

                data.Values.CopyTo(values, (int)data.Offset);
            }
        }

        if (header is null || values is null)
        {
            throw new InvalidDataException("The global model stream ended without a header.");
        }

        if (!SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan())).AsSpan().SequenceEqual(header.DataDigest.Span))
        {
            throw new InvalidDataException($"Model version {header.ModelVersion} does not match its digest (truncated or corrupted download).");
        }

        return new GlobalModel(header.ModelVersion, header.Round, ContractMapping.FromContract(header.Layout), values);
    }
}

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
    /// <remarks>
    /// A long poll: each call waits at the aggregator while the round stays in the stage last seen, so the answer comes
    /// when the stage moves (an aggregator that does not wait answers at once and is asked again after the poll interval).
    /// </remarks>
    public async Task<ulong> WaitForPublicationAsync(ulong round, CancellationToken ct)
    {
        RoundStage known = RoundStage.Unspecified;
        RoundStatus status = await session.Retry.WaitAsync(
            "publication",
            t => session.Rounds.GetRoundStatusAsync(new GetRoundStatusRequest { Round = round, WaitMillis = AggregatorSession.LongPollMillis, KnownStage = known }, AggregatorSession.Call(t)).ResponseAsync,
            o =>
            {
                if (o.Result is not { Stage: not (RoundStage.Published or RoundStage.Aborted) } s)
                {
                    return null;
                }

                known = s.Stage;
                return Progress(s);
            },
            int.MaxValue,
            ct).ConfigureAwait(false);
        return status.Stage == RoundStage.Aborted
            ? throw new InvalidOperationException($"Round {status.Round} was aborted ({status.AbortReason}): {status.AbortMessage}")
            : status.PublishedModelVersion;
    }

    /// <summary>A progress line: the stage, its counts and whom it waits for.</summary>
    internal static string Progress(RoundStatus s)
    {
        string counts = s.Stage switch
        {
            RoundStage.Approving => $"{s.ApprovalsReceived} of {s.ParticipantsSubmitted} approvals",
            RoundStage.Decrypting => $"{s.DecryptionSharesComplete} members have answered",
            _ => $"{s.ParticipantsSubmitted} of {s.ExpectedParticipants} uploads",
        };
        string waiting = s.WaitingFor.Count > 0 ? $"; waiting for {string.Join(", ", s.WaitingFor)}" : "";
        return $"round {s.Round} is {s.Stage} ({counts}{waiting})";
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
                if (header.Layout is null || header.Layout.TotalElements != (ulong)session.Config.Descriptor.ModelDimension)
                {
                    throw new InvalidDataException($"The global model announces {header.Layout?.TotalElements ?? 0} values; the consortium file's model-dimension is {session.Config.Descriptor.ModelDimension}.");
                }

                values = new float[checked((int)header.Layout.TotalElements)];
            }
            else if (header is null || values is null)
            {
                throw new InvalidDataException("The global model stream sent data before its header.");
            }
            else
            {
                GlobalModelData data = message.Data;
                if (data.Data.Length % sizeof(float) != 0)
                {
                    throw new InvalidDataException($"Model data at offset {data.Offset} has {data.Data.Length} bytes, not a whole number of float32 values.");
                }

                int count = data.Data.Length / sizeof(float);
                if (data.Offset + (ulong)count > (ulong)values.Length)
                {
                    throw new InvalidDataException($"Model data at offset {data.Offset} runs past the {values.Length} values of the layout.");
                }

                // Little-endian IEEE 754 on the wire (the contract); every platform .NET runs this on is little-endian.
                MemoryMarshal.Cast<byte, float>(data.Data.Span).CopyTo(values.AsSpan((int)data.Offset, count));
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

using Google.Protobuf;
using Grpc.Core;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// Rounds.DownloadGlobalModel's framing, the same for every back end: the header first, then the values from
/// first_element in runs of <see cref="RunLength"/> float32 (64 KiB), each message wrapping a slice of the held
/// little-endian bytes (which never change once published: no copy).
/// </summary>
public static class ModelStream
{
    /// <summary>Values per data message.</summary>
    public const int RunLength = 16384;

    /// <summary>Writes the header of <paramref name="model"/> (version, round, participants, SHA-256 of the values, the
    /// round's <paramref name="layout"/>) and its values from <paramref name="firstElement"/> on.</summary>
    /// <exception cref="RefusalException">OUT_OF_RANGE: <paramref name="firstElement"/> is beyond the model.</exception>
    public static async Task WriteAsync(IServerStreamWriter<GlobalModelMessage> stream, ModelBytes model, TensorLayout layout, ulong firstElement, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layout);
        var header = new GlobalModelHeader
        {
            ModelVersion = (ulong)model.Version,
            Round = (ulong)model.Round,
            Layout = ContractMapping.ToContract(layout),
            ParticipantsCounted = (uint)model.Participants,
            DataDigest = UnsafeByteOperations.UnsafeWrap(model.Digest),
        };
        ReadOnlyMemory<byte> values = model.Values;
        int count = values.Length / sizeof(float);
        if (firstElement > (ulong)count)
        {
            throw new RefusalException(StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"first_element {firstElement} is beyond the model's {count} values");
        }

        await stream.WriteAsync(new GlobalModelMessage { Header = header }, ct).ConfigureAwait(false);
        for (int i = (int)firstElement; i < count; i += RunLength)
        {
            int run = Math.Min(RunLength, count - i);
            var data = new GlobalModelData { Offset = (ulong)i, Data = UnsafeByteOperations.UnsafeWrap(values.Slice(i * sizeof(float), run * sizeof(float))) };
            await stream.WriteAsync(new GlobalModelMessage { Data = data }, ct).ConfigureAwait(false);
        }
    }
}

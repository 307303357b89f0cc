using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Proto.V1;

namespace SecAgg.Participant.Client;

/// <summary>
/// One message of Rounds.DownloadGlobalModel read without a <see cref="ByteString"/> per message (issue 17): the data run
/// goes from the received payload into a pooled buffer, which <see cref="ModelAssembler"/> copies into the model and
/// <see cref="Dispose"/> returns. The generated parser would allocate a fresh copy of every 64 KiB run (4 MB of garbage
/// per download of a 10^6-value model, paid again in zeroing and first-touch page faults). Wire format: a
/// <see cref="GlobalModelMessage"/> with exactly one of header (field 1) or data (field 2: <see cref="GlobalModelData"/>
/// with offset = 1, data = 3); unknown fields are skipped, as protobuf does. A frame that does not parse is returned with
/// <see cref="Malformed"/> set (the fetch refuses it with that text), never thrown from inside gRPC's reader.
/// </summary>
internal sealed class ModelFrame : IDisposable
{
    private byte[]? _rented;

    private ModelFrame(GlobalModelHeader? header, ulong offset, byte[]? rented, int length, string? malformed)
    {
        Header = header;
        Offset = offset;
        _rented = rented;
        Length = length;
        Malformed = malformed;
    }

    /// <summary>The header, when this frame is one.</summary>
    public GlobalModelHeader? Header { get; }

    /// <summary>A data frame's element offset.</summary>
    public ulong Offset { get; }

    /// <summary>A data frame's byte count.</summary>
    public int Length { get; }

    /// <summary>Why the frame does not parse; null when it does.</summary>
    public string? Malformed { get; }

    /// <summary>Whether this is a data frame.</summary>
    public bool IsData => Header is null && Malformed is null;

    /// <summary>A data frame's bytes (valid until <see cref="Dispose"/>).</summary>
    public ReadOnlySpan<byte> Data => _rented is { } r ? r.AsSpan(0, Length) : ReadOnlySpan<byte>.Empty;

    /// <summary>Rounds.DownloadGlobalModel with responses read as frames (the service and method names of the contract).</summary>
    public static Method<DownloadGlobalModelRequest, ModelFrame> DownloadMethod { get; } = new(
        MethodType.ServerStreaming,
        Rounds.Descriptor.FullName,
        nameof(Rounds.RoundsClient.DownloadGlobalModel),
        Marshallers.Create(r => r.ToByteArray(), DownloadGlobalModelRequest.Parser.ParseFrom),
        Marshallers.Create<ModelFrame>((frame, context) => context.Complete(ToBytes(frame)), context => Parse(context.PayloadAsReadOnlySequence())));

    /// <summary>Parses one serialized <see cref="GlobalModelMessage"/>.</summary>
    public static ModelFrame Parse(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        ModelFrame? frame = null;
        while (!reader.End)
        {
            if (!TryReadTag(ref reader, out int field, out int wireType, out string? error))
            {
                return Fail(frame, error);
            }

            if (field is 1 or 2 && wireType == 2)
            {
                if (frame is not null)
                {
                    return Fail(frame, "a global-model message carries more than one header or data field");
                }

                if (!TryReadLength(ref reader, out ReadOnlySequence<byte> body, out error))
                {
                    return Fail(null, error);
                }

                frame = field == 1 ? ParseHeader(body) : ParseData(body);
                if (frame.Malformed is not null)
                {
                    return frame;
                }
            }
            else if (!TrySkip(ref reader, wireType, out error))
            {
                return Fail(frame, error);
            }
        }

        return frame ?? new ModelFrame(null, 0, null, 0, "a global-model message carries neither a header nor data");
    }

    /// <summary>The frame as the contract's message (the serializer side of <see cref="DownloadMethod"/>).</summary>
    public GlobalModelMessage ToMessage() => Header is { } h
        ? new GlobalModelMessage { Header = h }
        : new GlobalModelMessage { Data = new GlobalModelData { Offset = Offset, Data = ByteString.CopyFrom(Data) } };

    /// <summary>Returns the pooled buffer.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _rented, null) is { } r)
        {
            ArrayPool<byte>.Shared.Return(r);
        }
    }

    private static byte[] ToBytes(ModelFrame frame) =>
        frame.Malformed is null ? frame.ToMessage().ToByteArray() : throw new InvalidOperationException($"A malformed frame cannot be sent: {frame.Malformed}");

    private static ModelFrame ParseHeader(ReadOnlySequence<byte> body)
    {
        try
        {
            return new ModelFrame(GlobalModelHeader.Parser.ParseFrom(body), 0, null, 0, null);
        }
        catch (InvalidProtocolBufferException e)
        {
            return new ModelFrame(null, 0, null, 0, $"the global-model header does not parse ({e.Message})");
        }
    }

    private static ModelFrame ParseData(ReadOnlySequence<byte> body)
    {
        var reader = new SequenceReader<byte>(body);
        ulong offset = 0;
        ReadOnlySequence<byte>? data = null;
        bool offsetSeen = false;
        while (!reader.End)
        {
            if (!TryReadTag(ref reader, out int field, out int wireType, out string? error))
            {
                return Fail(null, error);
            }

            if (field == 1 && wireType == 0)
            {
                if (offsetSeen || !WireReader.TryReadVarint(ref reader, out offset))
                {
                    return Fail(null, offsetSeen ? "a global-model data run repeats its offset" : "a global-model data run's offset is cut short or overflows 64 bits");
                }

                offsetSeen = true;
            }
            else if (field == 3 && wireType == 2)
            {
                if (data is not null || !TryReadLength(ref reader, out ReadOnlySequence<byte> bytes, out error))
                {
                    return Fail(null, data is not null ? "a global-model data run repeats its data" : error);
                }

                data = bytes;
            }
            else if (!TrySkip(ref reader, wireType, out error))
            {
                return Fail(null, error);
            }
        }

        if (data is not { } run)
        {
            return new ModelFrame(null, offset, null, 0, null);
        }

        int length = checked((int)run.Length);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        run.CopyTo(rented);
        return new ModelFrame(null, offset, rented, length, null);
    }

    private static ModelFrame Fail(ModelFrame? partial, string? reason)
    {
        partial?.Dispose();
        return new ModelFrame(null, 0, null, 0, reason ?? "the global-model message does not parse");
    }

    private static bool TryReadTag(ref SequenceReader<byte> reader, out int field, out int wireType, out string? error)
    {
        field = wireType = 0;
        if (!WireReader.TryReadVarint(ref reader, out ulong tag) || tag >> 3 is 0 or > int.MaxValue)
        {
            error = "a global-model message has a malformed field tag";
            return false;
        }

        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        error = null;
        return true;
    }

    private static bool TryReadLength(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> body, out string? error)
    {
        error = WireReader.TryReadLength(ref reader, out body) ? null : "a length-delimited field of a global-model message runs past the message's end";
        return error is null;
    }

    private static bool TrySkip(ref SequenceReader<byte> reader, int wireType, out string? error)
    {
        error = WireReader.TrySkip(ref reader, wireType) ? null : $"a global-model message has an unknown field of wire type {wireType} that cannot be skipped";
        return error is null;
    }
}

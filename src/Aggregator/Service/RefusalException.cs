using Google.Protobuf;
using Grpc.Core;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// A call the service refuses: a precise gRPC status, an actionable message and the machine-readable
/// <see cref="ErrorDetail"/> (reason, round, chunk). Handlers throw it; the refusal interceptor logs it and answers it
/// as an <see cref="RpcException"/> with the detail in the <c>secagg-error-bin</c> trailer. Nothing that was
/// accepted before changes.
/// </summary>
public sealed class RefusalException(StatusCode code, ErrorReason reason, string message, ulong round = 0, uint? chunk = null) : Exception(message)
{
    /// <summary>The gRPC status code.</summary>
    public StatusCode Code { get; } = code;

    /// <summary>The machine-readable reason.</summary>
    public ErrorReason Reason { get; } = reason;

    /// <summary>The round concerned, 0 when none.</summary>
    public ulong Round { get; } = round;

    /// <summary>The chunk concerned, when the refusal is about one chunk.</summary>
    public uint? Chunk { get; } = chunk;

    /// <summary>Who is refused, when it is known better than the authenticated caller (e.g. an unenrolled certificate); for the log.</summary>
    public string? Participant { get; init; }

    /// <summary>INVALID_ARGUMENT, ERROR_REASON_MALFORMED.</summary>
    public static RefusalException Invalid(string message, ulong round = 0, uint? chunk = null) =>
        new(StatusCode.InvalidArgument, ErrorReason.Malformed, message, round, chunk);

    /// <summary>A refused chunk or upload: the status of its <see cref="Accumulation.UploadRefusal"/> and the reason that goes with it.</summary>
    public static RefusalException ForUpload(Accumulation.UploadRefusal refusal, string message, ulong round = 0, uint? chunk = null) =>
        new((StatusCode)Accumulation.UploadRefusals.GrpcStatusCode(refusal), refusal switch
        {
            Accumulation.UploadRefusal.Duplicate or Accumulation.UploadRefusal.ConflictingChunk => ErrorReason.Duplicate,
            Accumulation.UploadRefusal.Replayed => ErrorReason.WrongRound,
            Accumulation.UploadRefusal.NoSuchRound => ErrorReason.NotFound,
            Accumulation.UploadRefusal.OutOfOrder => ErrorReason.BadStreamOrder,
            Accumulation.UploadRefusal.Late => ErrorReason.RoundDeadlinePassed,
            Accumulation.UploadRefusal.WrongParameters => ErrorReason.ParameterMismatch,
            Accumulation.UploadRefusal.NotEnrolled => ErrorReason.IdentityMismatch,
            _ => ErrorReason.Malformed,
        }, message, round, chunk);

    /// <summary>The status and trailer a client receives.</summary>
    public RpcException ToRpcException()
    {
        var detail = new ErrorDetail { Reason = Reason, Round = Round, Message = Message };
        if (Chunk is { } c)
        {
            detail.ChunkIndex = c;
        }

        var trailers = new Metadata { { WireKeys.ErrorDetailTrailer, detail.ToByteArray() } };
        return new RpcException(new Status(Code, Message), trailers, Message);
    }
}

using Google.Protobuf;
using SecAgg.Proto.V1;
using SecAgg.Transport;

namespace SecAgg.Aggregator.Service;

/// <summary>Builds the service's errors: a precise gRPC status, an actionable message and an <see cref="ErrorDetail"/> trailer.</summary>
internal static class RpcErrors
{
    public static RpcException Error(StatusCode code, ErrorReason reason, string message, ulong round = 0, uint? chunk = null)
    {
        var detail = new ErrorDetail { Reason = reason, Round = round, Message = message };
        if (chunk is { } c)
        {
            detail.ChunkIndex = c;
        }

        var trailers = new Metadata();
        trailers.Add(WireKeys.ErrorDetailTrailer, detail.ToByteArray());
        return new RpcException(new Status(code, message), trailers);
    }

    public static RpcException Invalid(string message, ulong round = 0, uint? chunk = null) =>
        Error(StatusCode.InvalidArgument, ErrorReason.Malformed, message, round, chunk);
}

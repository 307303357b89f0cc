using Microsoft.Extensions.Logging;

namespace SecAgg.Transport.Internal;

/// <summary>Log messages of the transport (never message contents).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "gRPC handler for {Method} threw an exception")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "gRPC call {Method} finished with {StatusCode}")]
    public static partial void CallFinished(ILogger logger, string method, StatusCode statusCode);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "gRPC call {Method} was aborted by the client ({Reason})")]
    public static partial void CallAbortedByClient(ILogger logger, string method, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "gRPC request to unknown method {Path}")]
    public static partial void UnknownMethod(ILogger logger, string path);
}

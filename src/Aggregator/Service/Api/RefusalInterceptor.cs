using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// The outermost interceptor of the KeyEpoch and Rounds services: a <see cref="RefusalException"/> from
/// authentication or a handler is logged (rpc, participant, status, message; never payload bytes) and answered as an
/// <see cref="RpcException"/> carrying the <c>secagg-error-bin</c> trailer.
/// </summary>
internal sealed class RefusalInterceptor(ILoggerFactory loggers) : Interceptor
{
    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Service");

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RefusalException e)
        {
            throw Answer(e, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context).ConfigureAwait(false);
        }
        catch (RefusalException e)
        {
            throw Answer(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context).ConfigureAwait(false);
        }
        catch (RefusalException e)
        {
            throw Answer(e, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context).ConfigureAwait(false);
        }
        catch (RefusalException e)
        {
            throw Answer(e, context);
        }
    }

    private RpcException Answer(RefusalException e, ServerCallContext context)
    {
        string participant = e.Participant ?? CallerContext.TryGetCaller(context) ?? "(unknown)";
        ServiceLog.Refused(_logger, context.MethodName(), participant, e.Code.ToString(), e.Message);
        return e.ToRpcException();
    }
}

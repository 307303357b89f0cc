using Grpc.Core;
using Grpc.Core.Interceptors;
using SecAgg.Aggregator.Service.State;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// The outermost interceptor of the KeyEpoch and Rounds services: a <see cref="RefusalException"/> from
/// authentication or a handler is recorded in the <see cref="RefusalJournal"/> (log, metrics, status page: rpc,
/// participant, status, reason, message; never payload bytes) and answered as an <see cref="RpcException"/> carrying
/// the <c>secagg-error-bin</c> trailer.
/// </summary>
internal sealed class RefusalInterceptor(RefusalJournal journal) : Interceptor
{

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
        journal.Record(context.MethodName(), e.Participant ?? CallerContext.TryGetCaller(context) ?? "(unknown)", e.Code, e.Reason, e.Message);
        return e.ToRpcException();
    }
}

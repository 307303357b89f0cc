using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// A per-call default deadline: a call whose client sent no <c>grpc-timeout</c> gets
/// <see cref="AggregatorHostOptions.DefaultCallDeadline"/>. Handlers see it through <see cref="CallDeadline.CallToken"/>;
/// when it fires the call ends with DEADLINE_EXCEEDED saying so (accepted chunks stay durable, so an upload resumes).
/// A client's own deadline is left to grpc-dotnet, which enforces it on the call's own token.
/// </summary>
internal sealed class CallDeadlineInterceptor(AggregatorHostOptions options) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, c => continuation(request, c));

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, c => continuation(requestStream, c));

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, async c =>
        {
            await continuation(request, responseStream, c).ConfigureAwait(false);
            return true;
        });

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        RunAsync(context, async c =>
        {
            await continuation(requestStream, responseStream, c).ConfigureAwait(false);
            return true;
        });

    private async Task<T> RunAsync<T>(ServerCallContext context, Func<ServerCallContext, Task<T>> handler)
    {
        if (context.Deadline != DateTime.MaxValue)
        {
            return await handler(context).ConfigureAwait(false);
        }

        TimeSpan limit = options.DefaultCallDeadline;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        deadline.CancelAfter(limit);
        context.SetCallToken(deadline.Token);
        try
        {
            return await handler(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled }
            && deadline.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                $"the call ran longer than the aggregator's default deadline of {limit}; set a deadline on the call, or resume it (accepted chunks are kept)"));
        }
    }
}

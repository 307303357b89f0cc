using Grpc.Core;
using Grpc.Core.Interceptors;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Authenticates every call of the KeyEpoch and Rounds services before its handler runs
/// (<see cref="ParticipantAuthenticator"/>) and records the caller in the call's user state (<see cref="CallerContext"/>).
/// It must run on the call's own context (it reads the connection's certificate), so it wraps the deadline interceptor.
/// </summary>
internal sealed class AuthenticationInterceptor(ParticipantAuthenticator authenticator) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authenticate(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authenticate(ServerCallContext context) => context.SetCaller(authenticator.Authenticate(context));
}

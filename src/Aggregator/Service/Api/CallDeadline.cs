using Grpc.Core;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// The cancellation a handler honours: the call's own token, or, when the client set no deadline, the one
/// <see cref="CallDeadlineInterceptor"/> made for the server's default deadline (kept in the call's user state;
/// grpc-dotnet needs the call's own context object, so the interceptor cannot hand the handler another).
/// </summary>
internal static class CallDeadline
{
    private const string Key = "secagg.deadline";

    /// <summary>The token that ends the call: the client's deadline or cancellation, or the server's default deadline.</summary>
    public static CancellationToken CallToken(this ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out object? token) && token is CancellationToken t ? t : context.CancellationToken;

    /// <summary>Records the token of the server's default deadline for the call.</summary>
    public static void SetCallToken(this ServerCallContext context, CancellationToken token) => context.UserState[Key] = token;
}

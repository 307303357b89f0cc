using Grpc.Core;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>The authenticated participant of a call, kept in the call's user state by the authentication interceptor.</summary>
internal static class CallerContext
{
    private const string Key = "secagg.caller";

    /// <summary>Records the authenticated participant of the call.</summary>
    public static void SetCaller(this ServerCallContext context, string participantId) => context.UserState[Key] = participantId;

    /// <summary>The authenticated participant of the call.</summary>
    /// <exception cref="InvalidOperationException">The service was mapped without the authentication interceptor (a wiring bug).</exception>
    public static string Caller(this ServerCallContext context) =>
        TryGetCaller(context) ?? throw new InvalidOperationException($"{context.Method} ran without an authenticated caller; the authentication interceptor must wrap it");

    /// <summary>The authenticated participant of the call, or null before authentication.</summary>
    public static string? TryGetCaller(ServerCallContext context) => context.UserState.TryGetValue(Key, out object? id) ? id as string : null;

    /// <summary>The rpc name of the call (the last part of <c>/package.Service/Method</c>).</summary>
    public static string MethodName(this ServerCallContext context) => context.Method[(context.Method.LastIndexOf('/') + 1)..];
}

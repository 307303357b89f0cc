using Grpc.Core;
using SecAgg.Aggregator.Service.Api;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// What a secagg.v1 service implementation outside this assembly (the cluster's front end on each silo) reads from a
/// call that went through the participant pipeline's interceptors: the authenticated participant (from its client
/// certificate), the token that ends the call (the client's deadline or the server's default one), and the shared rules
/// for ids named in requests and for long polls. Refusals are thrown as <see cref="RefusalException"/>.
/// </summary>
public static class ParticipantCalls
{
    /// <summary>The longest wait a caller may ask for in a long poll (wait_millis).</summary>
    public const uint MaxWaitMillis = LongPoll.MaxWaitMillis;

    /// <summary>The enrolled participant the call's client certificate proved.</summary>
    /// <exception cref="InvalidOperationException">The service was mapped without the authentication interceptor (a wiring bug).</exception>
    public static string Caller(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Caller();
    }

    /// <summary>The token that ends the call: the client's deadline or cancellation, or the server's default deadline.</summary>
    public static CancellationToken CallToken(ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.CallToken();
    }

    /// <summary>PERMISSION_DENIED (as a <see cref="RefusalException"/>) unless <paramref name="claimedId"/>, an id in a request, is the caller's.</summary>
    public static void RequireSelf(ServerCallContext context, string claimedId)
    {
        ArgumentNullException.ThrowIfNull(context);
        ParticipantAuthenticator.RequireSelf(context, claimedId);
    }

    /// <summary>
    /// A long poll: calls <paramref name="attempt"/> (its argument: whether the wait, capped at <see cref="MaxWaitMillis"/>,
    /// is over) every 100 ms until it returns an answer; with a true argument it must answer.
    /// </summary>
    public static Task<T> LongPollAsync<T>(uint waitMillis, Func<bool, Task<T?>> attempt, CancellationToken ct)
        where T : class => LongPoll.UntilAsync(waitMillis, attempt, ct);
}

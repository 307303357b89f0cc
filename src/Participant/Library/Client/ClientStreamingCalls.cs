using Grpc.Core;

namespace SecAgg.Participant.Client;

/// <summary>Sending a whole client stream and reading the answer, with the server's own status when it ends the call early.</summary>
public static class ClientStreamingCalls
{
    private static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Writes <paramref name="messages"/> as the next message is pulled (HTTP/2 flow control gives back-pressure),
    /// completes the stream and returns the response. When the server ends the call before the stream is complete
    /// (it refused a message), the <see cref="RpcException"/> thrown carries the server's status, not a broken pipe.
    /// </summary>
    public static async Task<TResponse> SendAsync<TRequest, TResponse>(this AsyncClientStreamingCall<TRequest, TResponse> call, IAsyncEnumerable<TRequest> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(messages);
        try
        {
            await foreach (TRequest message in messages.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await call.RequestStream.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The server may have finished the call while we were still writing (the write then fails with CANCELLED or
            // a broken stream): its answer explains why.
            Task<TResponse> answer = call.ResponseAsync;
            if (await Task.WhenAny(answer, Task.Delay(AnswerWait, CancellationToken.None)).ConfigureAwait(false) != answer)
            {
                throw;
            }
        }

        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>The same for messages already in memory.</summary>
    public static Task<TResponse> SendAsync<TRequest, TResponse>(this AsyncClientStreamingCall<TRequest, TResponse> call, IEnumerable<TRequest> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return call.SendAsync(messages.ToAsyncEnumerable(), cancellationToken);
    }
}

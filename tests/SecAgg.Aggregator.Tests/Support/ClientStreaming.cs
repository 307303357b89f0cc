using Grpc.Core;

namespace SecAgg.Aggregator.Tests.Support;

/// <summary>Sends a whole client stream and returns the response.</summary>
internal static class ClientStreaming
{
    public static async Task<TResponse> SendAsync<TRequest, TResponse>(this AsyncClientStreamingCall<TRequest, TResponse> call, IAsyncEnumerable<TRequest> requests)
    {
        using (call)
        {
            await foreach (TRequest r in requests)
            {
                await call.RequestStream.WriteAsync(r);
            }

            await call.RequestStream.CompleteAsync();
            return await call.ResponseAsync;
        }
    }
}

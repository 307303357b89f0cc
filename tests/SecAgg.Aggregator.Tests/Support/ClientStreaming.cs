using Grpc.Core;

namespace SecAgg.Aggregator.Tests.Support;

/// <summary>Sends a whole client stream and returns the response; when the server ends the call early, its status is the answer.</summary>
internal static class ClientStreaming
{
    public static async Task<TResponse> SendAsync<TRequest, TResponse>(this AsyncClientStreamingCall<TRequest, TResponse> call, IAsyncEnumerable<TRequest> requests)
    {
        using (call)
        {
            try
            {
                await foreach (TRequest r in requests)
                {
                    await call.RequestStream.WriteAsync(r);
                }

                await call.RequestStream.CompleteAsync();
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                // The server refused the stream while it was still being written: its status (below) says why.
            }

            return await call.ResponseAsync;
        }
    }
}

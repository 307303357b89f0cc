using Google.Protobuf;

namespace SecAgg.Transport;

/// <summary>
/// The generic typed client: calls any <see cref="Method{TRequest, TResponse}"/> of a contract on a
/// channel, with default call options (e.g. metadata) merged into every call. A contract's
/// static method class (e.g. <c>RoundsMethods.UploadCiphertexts</c>) plus this class is its typed stub.
/// </summary>
public class GrpcClient
{
    /// <summary>Creates a client on <paramref name="channel"/>.</summary>
    /// <param name="channel">The channel (not owned).</param>
    /// <param name="defaultTimeout">Deadline applied to calls that set none; null for none.</param>
    public GrpcClient(GrpcChannel channel, TimeSpan? defaultTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (defaultTimeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(defaultTimeout), t, "The default timeout must be positive.");
        }

        Channel = channel;
        DefaultTimeout = defaultTimeout;
    }

    /// <summary>The channel.</summary>
    public GrpcChannel Channel { get; }

    /// <summary>Deadline applied to calls that set none.</summary>
    public TimeSpan? DefaultTimeout { get; }

    /// <summary>Calls a unary method and returns its response.</summary>
    /// <exception cref="RpcException">The call ended with a non-OK status.</exception>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        using AsyncUnaryCall<TResponse> call = Unary(method, request, options);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>Calls a client-streaming method with the messages of <paramref name="requests"/> and returns its response.</summary>
    /// <exception cref="RpcException">The call ended with a non-OK status.</exception>
    public async Task<TResponse> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, IAsyncEnumerable<TRequest> requests, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(requests);
        using AsyncClientStreamingCall<TRequest, TResponse> call = ClientStreaming(method, options);
        try
        {
            await foreach (TRequest request in requests.WithCancellation(options.CancellationToken).ConfigureAwait(false))
            {
                await call.RequestStream.WriteAsync(request).ConfigureAwait(false);
            }

            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The server ended the call early; its status is in the response.
        }

        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>Calls a server-streaming method and enumerates its responses.</summary>
    /// <exception cref="RpcException">The call ended with a non-OK status.</exception>
    public async IAsyncEnumerable<TResponse> StreamAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        using AsyncServerStreamingCall<TResponse> call = ServerStreaming(method, request, options);
        while (await call.ResponseStream.MoveNext().ConfigureAwait(false))
        {
            yield return call.ResponseStream.Current;
        }
    }

    /// <summary>Starts a unary call (access to headers, status and trailers).</summary>
    public AsyncUnaryCall<TResponse> Unary<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Channel.UnaryCall(method, request, Apply(options));

    /// <summary>Starts a client-streaming call.</summary>
    public AsyncClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Channel.ClientStreamingCall(method, Apply(options));

    /// <summary>Starts a server-streaming call.</summary>
    public AsyncServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Channel.ServerStreamingCall(method, request, Apply(options));

    /// <summary>Starts a bidirectional-streaming call.</summary>
    public AsyncDuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Channel.DuplexStreamingCall(method, Apply(options));

    private CallOptions Apply(CallOptions options) =>
        options.Deadline is null && DefaultTimeout is { } t ? options with { Deadline = DateTime.UtcNow + t } : options;
}

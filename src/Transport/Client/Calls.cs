using System.Runtime.CompilerServices;
using SecAgg.Transport.Internal;

namespace SecAgg.Transport;

/// <summary>A unary call in flight. Await it (or <see cref="ResponseAsync"/>) for the response; dispose to cancel.</summary>
/// <typeparam name="TResponse">The response message.</typeparam>
public sealed class AsyncUnaryCall<TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal AsyncUnaryCall(IClientCall call, Task<TResponse> response)
    {
        _call = call;
        ResponseAsync = response;
    }

    /// <summary>The response; faults with <see cref="RpcException"/> on a non-OK status.</summary>
    public Task<TResponse> ResponseAsync { get; }

    /// <summary>The response headers (metadata).</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    /// <summary>The final status (after the response completed).</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailing metadata (after the response completed).</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <summary>Awaits the response.</summary>
    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    /// <summary>Cancels the call if it has not finished (RST_STREAM), and releases it.</summary>
    public void Dispose() => _call.Dispose();
}

/// <summary>A client-streaming call in flight: write to <see cref="RequestStream"/>, complete it, await the response.</summary>
/// <typeparam name="TRequest">The request message.</typeparam>
/// <typeparam name="TResponse">The response message.</typeparam>
public sealed class AsyncClientStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal AsyncClientStreamingCall(IClientCall call, Task<TResponse> response)
    {
        _call = call;
        RequestStream = (IClientStreamWriter<TRequest>)call;
        ResponseAsync = response;
    }

    /// <summary>The request stream.</summary>
    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The response; faults with <see cref="RpcException"/> on a non-OK status.</summary>
    public Task<TResponse> ResponseAsync { get; }

    /// <summary>The response headers (metadata).</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    /// <summary>The final status (after the response completed).</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailing metadata (after the response completed).</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <summary>Awaits the response.</summary>
    public TaskAwaiter<TResponse> GetAwaiter() => ResponseAsync.GetAwaiter();

    /// <summary>Cancels the call if it has not finished (RST_STREAM), and releases it.</summary>
    public void Dispose() => _call.Dispose();
}

/// <summary>A server-streaming call in flight: read <see cref="ResponseStream"/> to its end; dispose to cancel.</summary>
/// <typeparam name="TResponse">The response message.</typeparam>
public sealed class AsyncServerStreamingCall<TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal AsyncServerStreamingCall(IClientCall call)
    {
        _call = call;
        ResponseStream = (IAsyncStreamReader<TResponse>)call;
    }

    /// <summary>The response stream; its MoveNext throws <see cref="RpcException"/> on a non-OK status.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>The response headers (metadata).</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    /// <summary>The final status (after the stream ended).</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailing metadata (after the stream ended).</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <summary>Cancels the call if it has not finished (RST_STREAM), and releases it.</summary>
    public void Dispose() => _call.Dispose();
}

/// <summary>A bidirectional-streaming call in flight.</summary>
/// <typeparam name="TRequest">The request message.</typeparam>
/// <typeparam name="TResponse">The response message.</typeparam>
public sealed class AsyncDuplexStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal AsyncDuplexStreamingCall(IClientCall call)
    {
        _call = call;
        RequestStream = (IClientStreamWriter<TRequest>)call;
        ResponseStream = (IAsyncStreamReader<TResponse>)call;
    }

    /// <summary>The request stream.</summary>
    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>The response stream.</summary>
    public IAsyncStreamReader<TResponse> ResponseStream { get; }

    /// <summary>The response headers (metadata).</summary>
    public Task<Metadata> ResponseHeadersAsync => _call.ResponseHeadersAsync;

    /// <summary>The final status (after the response stream ended).</summary>
    public Status GetStatus() => _call.GetStatus();

    /// <summary>The trailing metadata (after the response stream ended).</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    /// <summary>Cancels the call if it has not finished (RST_STREAM), and releases it.</summary>
    public void Dispose() => _call.Dispose();
}

using Google.Protobuf;
using SecAgg.Transport.Internal;

namespace SecAgg.Transport;

/// <summary>
/// The methods a server answers: each registered with its <see cref="Method{TRequest, TResponse}"/>
/// descriptor and a handler of the matching kind. Calls to other paths answer UNIMPLEMENTED.
/// </summary>
public sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, ServerCallHandler> _handlers = new(StringComparer.Ordinal);

    /// <summary>The paths (<c>/{service}/{method}</c>) registered so far.</summary>
    public IReadOnlyCollection<string> Paths => _handlers.Keys;

    /// <summary>Registers a unary method.</summary>
    public GrpcServiceRegistry AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Add(method, MethodType.Unary, handler, h => new ServerCallHandler<TRequest, TResponse>(method, unary: h));

    /// <summary>Registers a client-streaming method.</summary>
    public GrpcServiceRegistry AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Add(method, MethodType.ClientStreaming, handler, h => new ServerCallHandler<TRequest, TResponse>(method, clientStreaming: h));

    /// <summary>Registers a server-streaming method.</summary>
    public GrpcServiceRegistry AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Add(method, MethodType.ServerStreaming, handler, h => new ServerCallHandler<TRequest, TResponse>(method, serverStreaming: h));

    /// <summary>Registers a bidirectional-streaming method.</summary>
    public GrpcServiceRegistry AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        => Add(method, MethodType.DuplexStreaming, handler, h => new ServerCallHandler<TRequest, TResponse>(method, duplex: h));

    /// <summary>
    /// Checks that every method of <paramref name="service"/> (from the generated protobuf descriptor) is registered.
    /// </summary>
    /// <exception cref="InvalidOperationException">Lists the missing methods.</exception>
    public void EnsureComplete(Google.Protobuf.Reflection.ServiceDescriptor service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var missing = service.Methods.Select(m => "/" + service.FullName + "/" + m.Name).Where(p => !_handlers.ContainsKey(p)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Service {service.FullName} has no handler for: {string.Join(", ", missing)}.");
        }
    }

    internal bool TryGetHandler(string path, out ServerCallHandler handler) => _handlers.TryGetValue(path, out handler!);

    private GrpcServiceRegistry Add<TRequest, TResponse, THandler>(Method<TRequest, TResponse> method, MethodType expected, THandler handler, Func<THandler, ServerCallHandler> create)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
        where THandler : Delegate
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Type != expected)
        {
            throw new ArgumentException($"Method {method.FullName} is {method.Type}, not {expected}.", nameof(method));
        }

        if (!_handlers.TryAdd(method.FullName, create(handler)))
        {
            throw new ArgumentException($"Method {method.FullName} is already registered.", nameof(method));
        }

        return this;
    }
}

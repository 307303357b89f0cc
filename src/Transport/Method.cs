using Google.Protobuf;

namespace SecAgg.Transport;

/// <summary>
/// Describes one gRPC method: its kind, its service and name (the HTTP/2 path is
/// <c>/{ServiceName}/{Name}</c>) and the parsers of its messages. A contract declares one static
/// instance per method; servers register handlers for it and clients call it.
/// </summary>
/// <typeparam name="TRequest">The protobuf request message.</typeparam>
/// <typeparam name="TResponse">The protobuf response message.</typeparam>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    /// <summary>Declares a method.</summary>
    /// <param name="type">The kind of method.</param>
    /// <param name="serviceName">The fully qualified service name, e.g. <c>secagg.v1.Aggregator</c>.</param>
    /// <param name="name">The method name, e.g. <c>UploadCiphertexts</c>.</param>
    /// <param name="requestParser">The request parser, e.g. <c>UploadChunk.Parser</c>.</param>
    /// <param name="responseParser">The response parser.</param>
    public Method(MethodType type, string serviceName, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        if (!Enum.IsDefined(type))
        {
            throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown method type.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(requestParser);
        ArgumentNullException.ThrowIfNull(responseParser);
        if (serviceName.Contains('/') || name.Contains('/'))
        {
            throw new ArgumentException("Service and method names must not contain '/'.", serviceName.Contains('/') ? nameof(serviceName) : nameof(name));
        }

        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = "/" + serviceName + "/" + name;
        RequestParser = requestParser;
        ResponseParser = responseParser;
    }

    /// <summary>The kind of method.</summary>
    public MethodType Type { get; }

    /// <summary>The fully qualified service name.</summary>
    public string ServiceName { get; }

    /// <summary>The method name.</summary>
    public string Name { get; }

    /// <summary>The HTTP/2 path: <c>/{ServiceName}/{Name}</c>.</summary>
    public string FullName { get; }

    /// <summary>Parses requests.</summary>
    public MessageParser<TRequest> RequestParser { get; }

    /// <summary>Parses responses.</summary>
    public MessageParser<TResponse> ResponseParser { get; }

    /// <summary>
    /// Declares a method from its generated protobuf descriptor: the kind comes from the
    /// descriptor's streaming flags, and the message types are checked against it.
    /// </summary>
    /// <param name="service">The service descriptor (e.g. <c>RoundsReflection.Descriptor.Services[0]</c>).</param>
    /// <param name="name">The method name within the service.</param>
    /// <exception cref="ArgumentException">No such method, or its message types are not <typeparamref name="TRequest"/> and <typeparamref name="TResponse"/>.</exception>
    public static Method<TRequest, TResponse> FromDescriptor(Google.Protobuf.Reflection.ServiceDescriptor service, string name)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Google.Protobuf.Reflection.MethodDescriptor method = service.FindMethodByName(name)
            ?? throw new ArgumentException($"Service {service.FullName} has no method '{name}'.", nameof(name));
        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"Method {service.FullName}/{name} takes {method.InputType.ClrType?.Name} and returns {method.OutputType.ClrType?.Name}, not {typeof(TRequest).Name} and {typeof(TResponse).Name}.",
                nameof(name));
        }

        MethodType type = (method.IsClientStreaming, method.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (true, false) => MethodType.ClientStreaming,
            (false, true) => MethodType.ServerStreaming,
            _ => MethodType.DuplexStreaming,
        };
        return new Method<TRequest, TResponse>(type, service.FullName, name, (MessageParser<TRequest>)method.InputType.Parser, (MessageParser<TResponse>)method.OutputType.Parser);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type} {FullName}";
}

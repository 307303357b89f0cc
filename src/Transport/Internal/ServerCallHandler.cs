using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace SecAgg.Transport.Internal;

/// <summary>Runs one kind of server call for one registered method.</summary>
internal abstract class ServerCallHandler
{
    public abstract Task HandleAsync(HttpContext http, GrpcServerOptions options, ILogger logger);

    /// <summary>Ends a call that never reached a handler with a Trailers-Only response.</summary>
    public static Task WriteTrailersOnlyAsync(HttpContext http, Status status)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = GrpcProtocol.ContentType;
        http.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        SetStatusHeaders(http.Response.Headers, status, null);
        return Task.CompletedTask;
    }

    protected static void SetStatusHeaders(IHeaderDictionary headers, Status status, Metadata? trailers)
    {
        headers[GrpcProtocol.StatusHeader] = ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            headers[GrpcProtocol.MessageHeader] = GrpcProtocol.PercentEncode(status.Detail);
        }

        if (trailers is not null)
        {
            AddMetadata(headers, trailers);
        }
    }

    protected static void AddMetadata(IHeaderDictionary headers, Metadata metadata)
    {
        foreach (Metadata.Entry e in metadata)
        {
            if (GrpcProtocol.IsReservedHeader(e.Key))
            {
                continue;
            }

            string value = e.IsBinary ? GrpcProtocol.EncodeBinaryHeader(e.ValueBytes) : e.Value;
            headers[e.Key] = StringValues.Concat(headers[e.Key], value);
        }
    }

    protected static Metadata ReadMetadata(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (KeyValuePair<string, StringValues> h in headers)
        {
            string key = h.Key.ToLowerInvariant();
            if (GrpcProtocol.IsReservedHeader(key) || key.StartsWith("grpc-", StringComparison.Ordinal) || !Metadata.IsValidKey(key))
            {
                continue;
            }

            foreach (string? v in h.Value)
            {
                if (v is null)
                {
                    continue;
                }

                if (key.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
                {
                    foreach (string part in v.Split(','))
                    {
                        try
                        {
                            metadata.Add(key, GrpcProtocol.DecodeBinaryHeader(part));
                        }
                        catch (FormatException)
                        {
                            // An undecodable binary header is dropped, as gRPC implementations do.
                        }
                    }
                }
                else if (v.All(c => c is >= ' ' and <= '~'))
                {
                    metadata.Add(key, v);
                }
            }
        }

        return metadata;
    }
}

/// <summary>Runs calls of one method: reads requests, invokes the handler, writes responses and the status.</summary>
internal sealed class ServerCallHandler<TRequest, TResponse> : ServerCallHandler
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly UnaryServerMethod<TRequest, TResponse>? _unary;
    private readonly ClientStreamingServerMethod<TRequest, TResponse>? _clientStreaming;
    private readonly ServerStreamingServerMethod<TRequest, TResponse>? _serverStreaming;
    private readonly DuplexStreamingServerMethod<TRequest, TResponse>? _duplex;

    public ServerCallHandler(
        Method<TRequest, TResponse> method,
        UnaryServerMethod<TRequest, TResponse>? unary = null,
        ClientStreamingServerMethod<TRequest, TResponse>? clientStreaming = null,
        ServerStreamingServerMethod<TRequest, TResponse>? serverStreaming = null,
        DuplexStreamingServerMethod<TRequest, TResponse>? duplex = null)
    {
        _method = method;
        _unary = unary;
        _clientStreaming = clientStreaming;
        _serverStreaming = serverStreaming;
        _duplex = duplex;
    }

    public override async Task HandleAsync(HttpContext http, GrpcServerOptions options, ILogger logger)
    {
        HttpRequest request = http.Request;
        HttpResponse response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;

        string? encoding = request.Headers[GrpcProtocol.EncodingHeader];
        if (!GrpcProtocol.IsSupportedEncoding(encoding))
        {
            await WriteTrailersOnlyAsync(http, new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{encoding}'. Supported: {GrpcProtocol.SupportedEncodings}.")).ConfigureAwait(false);
            return;
        }

        bool compress = options.ResponseCompression is { } rc && !rc.Equals(GrpcProtocol.Identity, StringComparison.OrdinalIgnoreCase)
            && GrpcProtocol.AcceptsEncoding(request.Headers[GrpcProtocol.AcceptEncodingHeader], rc);
        if (compress)
        {
            response.Headers[GrpcProtocol.EncodingHeader] = options.ResponseCompression;
        }

        TimeSpan? timeout = null;
        string? timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader is not null)
        {
            if (!GrpcProtocol.TryParseTimeout(timeoutHeader, out TimeSpan t))
            {
                await WriteTrailersOnlyAsync(http, new Status(StatusCode.Internal, $"Invalid grpc-timeout '{timeoutHeader}'.")).ConfigureAwait(false);
                return;
            }

            if (t < GrpcProtocol.MaxTimeout)
            {
                timeout = t;
            }
        }

        using var deadlineCts = timeout is { } tt ? new CancellationTokenSource(tt) : new CancellationTokenSource();
        using var callCts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, deadlineCts.Token);
        DateTime? deadline = timeout is { } d ? DateTime.UtcNow + d : null;
        var context = new ServerCallContext(http, _method.FullName, ReadMetadata(request.Headers), deadline, callCts.Token);
        context.ResponseHeadersFlush = async () =>
        {
            ApplyResponseHeaders(context);
            await response.StartAsync(context.CancellationToken).ConfigureAwait(false);
        };

        var reader = new RequestStreamReader(request, _method.RequestParser, options.MaxReceiveMessageSize, encoding, context);
        var writer = new ResponseStreamWriter(response, context, options.MaxSendMessageSize, compress);
        Status status;
        Metadata? errorTrailers = null;
        try
        {
            switch (_method.Type)
            {
                case MethodType.Unary:
                    {
                        TRequest message = await reader.ReadSingleAsync().ConfigureAwait(false);
                        TResponse reply = await _unary!(message, context).ConfigureAwait(false);
                        await writer.WriteAsync(reply, CancellationToken.None).ConfigureAwait(false);
                        break;
                    }

                case MethodType.ClientStreaming:
                    {
                        TResponse reply = await _clientStreaming!(reader, context).ConfigureAwait(false);
                        await writer.WriteAsync(reply, CancellationToken.None).ConfigureAwait(false);
                        break;
                    }

                case MethodType.ServerStreaming:
                    {
                        TRequest message = await reader.ReadSingleAsync().ConfigureAwait(false);
                        await _serverStreaming!(message, writer, context).ConfigureAwait(false);
                        break;
                    }

                default:
                    await _duplex!(reader, writer, context).ConfigureAwait(false);
                    break;
            }

            status = deadlineCts.IsCancellationRequested ? new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.") : Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            status = deadlineCts.IsCancellationRequested && e.StatusCode == StatusCode.Cancelled ? new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.") : e.Status;
            errorTrailers = e.Trailers;
        }
        catch (Exception e) when (deadlineCts.IsCancellationRequested && e is OperationCanceledException or IOException or ConnectionAbortedException)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.");
        }
        catch (Exception e) when (http.RequestAborted.IsCancellationRequested)
        {
            Log.CallAbortedByClient(logger, _method.FullName, e.GetType().Name);
            return;
        }
        catch (Exception e)
        {
            Log.HandlerFailed(logger, _method.FullName, e);
            status = new Status(StatusCode.Unknown, options.EnableDetailedErrors ? "Exception was thrown by handler. " + e.GetType().Name + ": " + e.Message : "Exception was thrown by handler.");
        }

        if (http.RequestAborted.IsCancellationRequested)
        {
            Log.CallAbortedByClient(logger, _method.FullName, "RST_STREAM");
            return;
        }

        Log.CallFinished(logger, _method.FullName, status.StatusCode);
        Metadata trailers = context.ResponseTrailers;
        if (errorTrailers is not null)
        {
            foreach (Metadata.Entry e in errorTrailers)
            {
                trailers.Add(e);
            }
        }

        if (!response.HasStarted)
        {
            // Trailers-Only: the status travels in the single HEADERS frame that ends the stream.
            ApplyResponseHeaders(context);
            SetStatusHeaders(response.Headers, status, trailers);
            return;
        }

        response.AppendTrailer(GrpcProtocol.StatusHeader, ((int)status.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcProtocol.PercentEncode(status.Detail));
        }

        foreach (Metadata.Entry e in trailers)
        {
            if (!GrpcProtocol.IsReservedHeader(e.Key))
            {
                response.AppendTrailer(e.Key, e.IsBinary ? GrpcProtocol.EncodeBinaryHeader(e.ValueBytes) : e.Value);
            }
        }
    }

    private static void ApplyResponseHeaders(ServerCallContext context)
    {
        if (context.ResponseHeaders is { } h && !context.ResponseHeadersSent)
        {
            AddMetadata(context.HttpContext.Response.Headers, h);
        }

        context.ResponseHeadersSent = true;
    }

    private sealed class RequestStreamReader(HttpRequest request, MessageParser<TRequest> parser, int maxSize, string? encoding, ServerCallContext context) : IAsyncStreamReader<TRequest>
    {
        private TRequest? _current;

        public TRequest Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first and check that it returned true.");

        public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
        {
            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken) : null;
            _current = await MessageFraming.ReadMessageAsync(request.BodyReader, parser, maxSize, encoding, linked?.Token ?? context.CancellationToken).ConfigureAwait(false);
            return _current is not null;
        }

        public async Task<TRequest> ReadSingleAsync()
        {
            if (!await MoveNext().ConfigureAwait(false))
            {
                throw new RpcException(new Status(StatusCode.Internal, "The request stream ended before its message."));
            }

            TRequest message = _current!;
            if (await MoveNext().ConfigureAwait(false))
            {
                throw new RpcException(new Status(StatusCode.Internal, "More than one request message on a method that takes one."));
            }

            return message;
        }
    }

    private sealed class ResponseStreamWriter(HttpResponse response, ServerCallContext context, int maxSendSize, bool compress) : IServerStreamWriter<TResponse>
    {
        public async Task WriteAsync(TResponse message, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(message);
            int size = MessageFraming.CheckSendSize(message, maxSendSize);
            ApplyResponseHeaders(context);
            MessageFraming.WriteMessage(response.BodyWriter, message, size, compress);
            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.CancellationToken) : null;
            await response.BodyWriter.FlushAsync(linked?.Token ?? context.CancellationToken).ConfigureAwait(false);
        }
    }
}

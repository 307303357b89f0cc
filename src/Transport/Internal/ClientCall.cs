using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace SecAgg.Transport.Internal;

/// <summary>One client call: sends the request(s), reads response headers, messages and the status.</summary>
internal sealed class ClientCall<TRequest, TResponse> : IClientCall, IClientStreamWriter<TRequest>, IAsyncStreamReader<TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private static readonly ProductInfoHeaderValue UserAgent = new("secagg-transport", "1.0");

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _deadlineCts;
    private readonly CancellationTokenSource _callCts;
    private readonly string? _requestEncoding;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly object _gate = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StreamingRequestContent? _content;
    private Task<HttpResponseMessage>? _send;
    private Task<Metadata>? _headers;
    private HttpResponseMessage? _response;
    private PipeReader? _reader;
    private string? _responseEncoding;
    private Status? _status;
    private Metadata? _trailers;
    private TResponse? _current;
    private bool _requestCompleted;
    private bool _disposed;

    public ClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        string? compression = options.RequestCompression ?? channel.Options.RequestCompression;
        _requestEncoding = compression is null || compression.Equals(GrpcProtocol.Identity, StringComparison.OrdinalIgnoreCase) ? null : compression;
        _deadlineCts = new CancellationTokenSource();
        _callCts = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadlineCts.Token);
    }

    public TResponse Current => _current ?? throw new InvalidOperationException("No current message: call MoveNext first and check that it returned true.");

    private CancellationToken CallToken => _callCts.Token;

    public void Start(TRequest? request)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        message.Headers.UserAgent.Add(UserAgent);
        message.Headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (_requestEncoding is not null)
        {
            message.Headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, _requestEncoding);
        }

        if (_options.Deadline is { } deadline)
        {
            TimeSpan left = deadline.ToUniversalTime() - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                _status = new Status(StatusCode.DeadlineExceeded, "Deadline exceeded before the call started.");
                _trailers = new Metadata();
                _headers = Task.FromException<Metadata>(new RpcException(_status.Value));
                message.Dispose();
                return;
            }

            if (left < GrpcProtocol.MaxTimeout)
            {
                message.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcProtocol.FormatTimeout(left));
                _deadlineCts.CancelAfter(left);
            }
        }

        if (_options.Headers is { } metadata)
        {
            foreach (Metadata.Entry e in metadata)
            {
                if (GrpcProtocol.IsReservedHeader(e.Key))
                {
                    throw new ArgumentException($"Metadata key '{e.Key}' is reserved by the gRPC protocol.", nameof(CallOptions.Headers));
                }

                message.Headers.TryAddWithoutValidation(e.Key, e.IsBinary ? GrpcProtocol.EncodeBinaryHeader(e.ValueBytes) : e.Value);
            }
        }

        if (request is not null)
        {
            int size = MessageFraming.CheckSendSize(request, _channel.Options.MaxSendMessageSize);
            int length = MessageFraming.FrameToArray(request, size, _requestEncoding is not null, out byte[] rented);
            byte[] body = rented.AsSpan(0, length).ToArray();
            ArrayPool<byte>.Shared.Return(rented);
            var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);
            message.Content = content;
            _requestCompleted = true;
        }
        else
        {
            _content = new StreamingRequestContent();
            message.Content = _content;
        }

        CallToken.Register(static state => ((ClientCall<TRequest, TResponse>)state!).OnCancelled(), this);
        _send = _channel.Invoker.SendAsync(message, CallToken);
        _headers = ReadHeadersAsync();
    }

    public Task<Metadata> ResponseHeadersAsync => _headers!;

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished: read the response (stream) to its end first.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not finished: read the response (stream) to its end first.");

    // --- request stream ---------------------------------------------------------------------

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_requestCompleted)
        {
            throw new InvalidOperationException("The request stream has already been completed.");
        }

        if (_status is { } done)
        {
            throw new RpcException(done.StatusCode == StatusCode.OK ? new Status(StatusCode.Internal, "The call already finished.") : done);
        }

        int size = MessageFraming.CheckSendSize(message, _channel.Options.MaxSendMessageSize);
        int length = MessageFraming.FrameToArray(message, size, _requestEncoding is not null, out byte[] rented);
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CallToken) : null;
        CancellationToken token = linked?.Token ?? CallToken;
        await _writeLock.WaitAsync(token).ConfigureAwait(false);
        try
        {
            Stream stream = await _content!.GetStreamAsync().WaitAsync(token).ConfigureAwait(false);
            await stream.WriteAsync(rented.AsMemory(0, length), token).ConfigureAwait(false);
            await stream.FlushAsync(token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw await FailWriteAsync(e).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public Task CompleteAsync()
    {
        _requestCompleted = true;
        _content?.Complete();
        return Task.CompletedTask;
    }

    // --- response ---------------------------------------------------------------------------

    public async Task<bool> MoveNext(CancellationToken cancellationToken = default)
    {
        await _headers!.ConfigureAwait(false);
        if (_status is { } finished)
        {
            return finished.StatusCode == StatusCode.OK ? false : throw new RpcException(finished, _trailers!);
        }

        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CallToken) : null;
        try
        {
            _current = await MessageFraming.ReadMessageAsync(_reader!, _method.ResponseParser, _channel.Options.MaxReceiveMessageSize, _responseEncoding, linked?.Token ?? CallToken).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            // A local failure (size limit, bad frame): end the call and reset the stream.
            Finish(e.Status, new Metadata());
            _callCts.Cancel();
            throw;
        }
        catch (Exception e)
        {
            throw Fail(e, cancellationToken);
        }

        if (_current is not null)
        {
            return true;
        }

        ReadTrailers();
        Status status = _status!.Value;
        return status.StatusCode == StatusCode.OK ? false : throw new RpcException(status, _trailers!);
    }

    public async Task<TResponse> ReadSingleResponseAsync()
    {
        if (!await MoveNext().ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.Internal, "The server ended the call with OK but sent no response message."));
        }

        TResponse response = _current!;
        if (await MoveNext().ConfigureAwait(false))
        {
            Finish(new Status(StatusCode.Internal, "The server sent more than one response message on a method that returns one."), new Metadata());
            _callCts.Cancel();
            throw new RpcException(_status!.Value);
        }

        return response;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        if (_status is null)
        {
            Finish(Status.DefaultCancelled with { Detail = "The call was disposed before it finished." }, new Metadata());
            _callCts.Cancel();
        }

        _response?.Dispose();
        _callCts.Dispose();
        _deadlineCts.Dispose();
    }

    private async Task<Metadata> ReadHeadersAsync()
    {
        HttpResponseMessage response;
        try
        {
            response = await _send!.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw Fail(e, default);
        }

        lock (_gate)
        {
            _response = response;
        }

        if (CallToken.IsCancellationRequested)
        {
            response.Dispose();
            throw Fail(new OperationCanceledException(CallToken), default);
        }

        Metadata headers = ReadMetadata(response.Headers, response.Content.Headers);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            Finish(new Status(GrpcProtocol.FromHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}"), headers);
            response.Dispose();
            return headers;
        }

        if (TryGetHeader(response.Headers, GrpcProtocol.StatusHeader) is not null)
        {
            // Trailers-Only: the status is in the headers and there is no body.
            Finish(ParseStatus(response.Headers), headers);
            response.Dispose();
            return headers;
        }

        string? contentType = response.Content.Headers.ContentType?.MediaType;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            Finish(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: {contentType ?? "(none)"}"), headers);
            response.Dispose();
            return headers;
        }

        _responseEncoding = TryGetHeader(response.Headers, GrpcProtocol.EncodingHeader);
        if (!GrpcProtocol.IsSupportedEncoding(_responseEncoding))
        {
            Finish(new Status(StatusCode.Internal, $"The server used unsupported grpc-encoding '{_responseEncoding}'."), headers);
            _callCts.Cancel();
            return headers;
        }

        try
        {
            Stream body = await response.Content.ReadAsStreamAsync(CallToken).ConfigureAwait(false);
            _reader = PipeReader.Create(body, new StreamPipeReaderOptions(bufferSize: 65536, minimumReadSize: 16384));
        }
        catch (Exception e)
        {
            throw Fail(e, default);
        }

        return headers;
    }

    private void ReadTrailers()
    {
        HttpResponseHeaders trailing = _response!.TrailingHeaders;
        if (TryGetHeader(trailing, GrpcProtocol.StatusHeader) is null)
        {
            Finish(new Status(StatusCode.Internal, "The response ended without a grpc-status trailer."), ReadMetadata(trailing, null));
            return;
        }

        Finish(ParseStatus(trailing), ReadMetadata(trailing, null));
    }

    private void Finish(Status status, Metadata trailers)
    {
        lock (_gate)
        {
            if (_status is not null)
            {
                return;
            }

            _status = status;
            _trailers = trailers;
        }

        _finished.TrySetResult();

        if (status.StatusCode != StatusCode.OK)
        {
            _content?.Abort(new RpcException(status));
        }
    }

    private void OnCancelled()
    {
        Status status = _deadlineCts.IsCancellationRequested
            ? new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.")
            : new Status(StatusCode.Cancelled, "Call canceled by the client.");
        Finish(status, new Metadata());
        HttpResponseMessage? response;
        lock (_gate)
        {
            response = _response;
        }

        // Disposing an unfinished response resets the HTTP/2 stream (RST_STREAM CANCEL).
        response?.Dispose();
    }

    private RpcException Fail(Exception e, CancellationToken readToken)
    {
        Status status;
        if (e is RpcException rpc)
        {
            status = rpc.Status;
        }
        else if (_deadlineCts.IsCancellationRequested)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.") { DebugException = e };
        }
        else if (_options.CancellationToken.IsCancellationRequested || readToken.IsCancellationRequested)
        {
            status = new Status(StatusCode.Cancelled, "Call canceled by the client.") { DebugException = e };
        }
        else if (_status is { } known && known.StatusCode != StatusCode.OK)
        {
            status = known;
        }
        else
        {
            status = MapTransportError(e);
        }

        Finish(status, new Metadata());
        return new RpcException(_status!.Value, _trailers!);
    }

    private async Task<RpcException> FailWriteAsync(Exception e)
    {
        // A write fails when the server ended the call early (e.g. rejected the upload): report the
        // server's status, which the response reader receives in the trailers, rather than the broken pipe.
        if (!_deadlineCts.IsCancellationRequested && !_options.CancellationToken.IsCancellationRequested)
        {
            try
            {
                await _finished.Task.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Nobody is reading the response: fall back to the write error.
            }

            if (_status is { } status && status.StatusCode != StatusCode.OK)
            {
                return new RpcException(status, _trailers!);
            }
        }

        return Fail(e, default);
    }

    private static Status MapTransportError(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is HttpProtocolException protocol)
            {
                return protocol.ErrorCode switch
                {
                    0x8 => new Status(StatusCode.Cancelled, "The server cancelled the stream (RST_STREAM CANCEL).") { DebugException = e },
                    0x7 => new Status(StatusCode.Unavailable, "The server refused the stream (REFUSED_STREAM).") { DebugException = e },
                    0xb => new Status(StatusCode.ResourceExhausted, "The server reported ENHANCE_YOUR_CALM.") { DebugException = e },
                    0xc => new Status(StatusCode.PermissionDenied, "The server requires stronger TLS (INADEQUATE_SECURITY).") { DebugException = e },
                    _ => new Status(StatusCode.Internal, $"HTTP/2 error {protocol.ErrorCode}: {protocol.Message}") { DebugException = e },
                };
            }
        }

        if (e is HttpRequestException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return new Status(StatusCode.Unavailable, "Error connecting to the server: " + Innermost(e).Message) { DebugException = e };
        }

        if (e is OperationCanceledException)
        {
            return new Status(StatusCode.Cancelled, "The call was cancelled.") { DebugException = e };
        }

        return new Status(StatusCode.Internal, "Error reading the response: " + e.Message) { DebugException = e };
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static Status ParseStatus(HttpHeaders headers)
    {
        string? code = TryGetHeader(headers, GrpcProtocol.StatusHeader);
        string? message = TryGetHeader(headers, GrpcProtocol.MessageHeader);
        if (!GrpcProtocol.TryParseStatus(code, out StatusCode statusCode))
        {
            return new Status(StatusCode.Unknown, $"Unknown grpc-status '{code}'. {GrpcProtocol.PercentDecode(message)}".TrimEnd());
        }

        return new Status(statusCode, GrpcProtocol.PercentDecode(message));
    }

    private static string? TryGetHeader(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out HeaderStringValues values) ? string.Join(",", values) : null;

    private static Metadata ReadMetadata(HttpHeaders headers, HttpHeaders? more)
    {
        var metadata = new Metadata();
        foreach (HttpHeaders? h in (ReadOnlySpan<HttpHeaders?>)[headers, more])
        {
            if (h is null)
            {
                continue;
            }

            foreach (KeyValuePair<string, HeaderStringValues> header in h.NonValidated)
            {
                string key = header.Key.ToLowerInvariant();
                if (GrpcProtocol.IsReservedHeader(key) || key.StartsWith("grpc-", StringComparison.Ordinal) || !Metadata.IsValidKey(key) || key is "date" or "server")
                {
                    continue;
                }

                foreach (string value in header.Value)
                {
                    if (key.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
                    {
                        foreach (string part in value.Split(','))
                        {
                            try
                            {
                                metadata.Add(key, GrpcProtocol.DecodeBinaryHeader(part));
                            }
                            catch (FormatException)
                            {
                                // Undecodable binary metadata is dropped.
                            }
                        }
                    }
                    else if (value.All(c => c is >= ' ' and <= '~'))
                    {
                        metadata.Add(key, value);
                    }
                }
            }
        }

        return metadata;
    }
}

using Grpc.Core;

namespace SecAgg.Aggregator.Cluster.Tests.FrontEnd;

/// <summary>
/// A call as the participant pipeline hands it to a service (grpc-dotnet's pattern for unit-testing services): the
/// authenticated participant in the user state where the authentication interceptor puts it ("secagg.caller").
/// </summary>
internal sealed class TestCallContext : ServerCallContext
{
    private readonly Metadata _trailers = [];
    private readonly CancellationToken _token;

    public TestCallContext(string caller, CancellationToken token = default)
    {
        _token = token;
        UserState["secagg.caller"] = caller;
    }

    protected override string MethodCore => "/secagg.v1.Rounds/Test";

    protected override string HostCore => "localhost";

    protected override string PeerCore => "ipv4:127.0.0.1:1";

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore => [];

    protected override CancellationToken CancellationTokenCore => _token;

    protected override Metadata ResponseTrailersCore => _trailers;

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore => new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}

/// <summary>A client stream over a list; it breaks (as a dropped connection does) after <c>breakAfter</c> messages when that is set.</summary>
internal sealed class ListReader<T>(IEnumerable<T> messages, int? breakAfter = null) : IAsyncStreamReader<T>
{
    private readonly IEnumerator<T> _messages = messages.GetEnumerator();
    private int _read;

    public T Current => _messages.Current;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (_read == breakAfter)
        {
            throw new IOException("the client's connection was reset");
        }

        _read++;
        return Task.FromResult(_messages.MoveNext());
    }
}

/// <summary>A server stream into a list.</summary>
internal sealed class ListWriter<T> : IServerStreamWriter<T>
{
    public List<T> Written { get; } = [];

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message)
    {
        Written.Add(message);
        return Task.CompletedTask;
    }
}

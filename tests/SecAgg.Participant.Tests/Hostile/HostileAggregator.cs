using System.Collections.Concurrent;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Proto.V1;

namespace SecAgg.Participant.Tests.Hostile;

/// <summary>
/// A malicious aggregator for the participant library: an in-process grpc-dotnet server (Kestrel, HTTP/2, TLS 1.3, the
/// aggregator's certificate from the consortium CA, client certificates required) serving the generated
/// <see cref="KeyEpoch.KeyEpochBase"/> and <see cref="Rounds.RoundsBase"/>. Every call is relayed to the real aggregator
/// over a channel with the CALLER's own certificate (so the honest aggregator does the bookkeeping), and every answer
/// passes through <see cref="Alter"/>, the knob with which a test deviates: substitute, drop, replay or script any
/// message. Every message a participant sends is recorded in <see cref="Received"/> (what the tests check was, or was
/// not, sent), and a test may answer a call itself with <see cref="Script"/> without asking the real aggregator.
/// </summary>
internal sealed class HostileAggregator : IAsyncDisposable
{
    private readonly Dictionary<string, string> _idByThumbprint;
    private readonly Dictionary<string, AggregatorChannel> _upstream;
    private WebApplication? _app;

    private HostileAggregator(Dictionary<string, string> idByThumbprint, Dictionary<string, AggregatorChannel> upstream)
    {
        _idByThumbprint = idByThumbprint;
        _upstream = upstream;
    }

    /// <summary>Where the participants connect.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>(caller, answer) → what the caller is answered instead (null drops a streamed item). Default: the real answer.</summary>
    public Func<string, IMessage, IMessage?> Alter { get; set; } = (_, m) => m;

    /// <summary>(caller, method name, request) → an answer made up by the test (null: relay to the real aggregator).</summary>
    public Func<string, string, IMessage, IMessage?> Script { get; set; } = (_, _, _) => null;

    /// <summary>Every request message (and streamed item) a participant sent, in order: (caller, method, message).</summary>
    public ConcurrentQueue<(string Caller, string Method, IMessage Message)> Received { get; } = new();

    /// <summary>The messages of <paramref name="method"/> that <paramref name="caller"/> sent.</summary>
    public IEnumerable<T> Sent<T>(string caller, string method) where T : IMessage =>
        Received.Where(r => r.Caller == caller && r.Method == method).Select(r => r.Message).OfType<T>();

    /// <summary>Starts the relay in front of the real aggregator at <paramref name="upstream"/>.</summary>
    public static async Task<HostileAggregator> StartAsync(ConsortiumLayout files, Uri upstream)
    {
        // Kept for the process's life: the upstream channels validate the real aggregator's certificate against it.
        X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(files.CaCertificate));
        var byThumbprint = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var channels = new Dictionary<string, AggregatorChannel>(StringComparer.Ordinal);
        foreach (var (id, (certificate, key)) in files.Participants)
        {
            X509Certificate2 cert = AggregatorHostOptions.LoadCertificate(certificate, key!);
            byThumbprint[cert.Thumbprint] = id;
            channels[id] = AggregatorChannel.Create(upstream, cert, ca);
        }

        X509Certificate2 server = AggregatorHostOptions.LoadCertificate(files.AggregatorCertificate, files.AggregatorKey);
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = server,
                    SslProtocols = SslProtocols.Tls13,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (certificate, _, _) => certificate is not null,
                });
            });
        });
        builder.Services.AddGrpc(g => g.MaxReceiveMessageSize = g.MaxSendMessageSize = 64 << 20);
        var hostile = new HostileAggregator(byThumbprint, channels);
        builder.Services.AddSingleton(hostile).AddSingleton<HostileKeyEpoch>().AddSingleton<HostileRounds>();
        WebApplication app = builder.Build();
        hostile._app = app;
        app.MapGrpcService<HostileKeyEpoch>();
        app.MapGrpcService<HostileRounds>();
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hostile.Address = new Uri(address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal));
        return hostile;
    }

    /// <summary>The calling participant (by its certificate) and the real aggregator's clients with its certificate.</summary>
    public (string Caller, KeyEpoch.KeyEpochClient KeyEpoch, Rounds.RoundsClient Rounds) Upstream(ServerCallContext context)
    {
        X509Certificate2? certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null || !_idByThumbprint.TryGetValue(certificate.Thumbprint, out string? id))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "not a participant of this consortium"));
        }

        AggregatorChannel channel = _upstream[id];
        return (id, new KeyEpoch.KeyEpochClient(channel.CallInvoker), new Rounds.RoundsClient(channel.CallInvoker));
    }

    /// <summary>Records a request, then answers it: the test's script, or the real aggregator's answer passed through <see cref="Alter"/>.</summary>
    public async Task<TResponse> RelayAsync<TRequest, TResponse>(ServerCallContext context, TRequest request, Func<(KeyEpoch.KeyEpochClient KeyEpoch, Rounds.RoundsClient Rounds), CallOptions, Task<TResponse>> call)
        where TRequest : IMessage
        where TResponse : IMessage
    {
        var up = Upstream(context);
        string method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        Received.Enqueue((up.Caller, method, request));
        if (Script(up.Caller, method, request) is TResponse scripted)
        {
            return scripted;
        }

        TResponse real = await call((up.KeyEpoch, up.Rounds), Forward(context)).ConfigureAwait(false);
        return (TResponse)(Alter(up.Caller, real) ?? real);
    }

    /// <summary>
    /// Whether to swallow a client stream (caller, method): its items are recorded, then the call fails UNAVAILABLE
    /// without anything reaching the real aggregator — a stream "broken" on purpose.
    /// </summary>
    public Func<string, string, bool> DropStream { get; set; } = (_, _) => false;

    /// <summary>Records every item of a client stream, then relays them to the real aggregator (or drops them, <see cref="DropStream"/>).</summary>
    public async Task<TResponse> RelayStreamAsync<TItem, TResponse>(ServerCallContext context, IAsyncStreamReader<TItem> items, Func<(KeyEpoch.KeyEpochClient KeyEpoch, Rounds.RoundsClient Rounds), CallOptions, AsyncClientStreamingCall<TItem, TResponse>> open)
        where TItem : IMessage
        where TResponse : IMessage
    {
        var up = Upstream(context);
        string method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        var all = new List<TItem>();
        await foreach (TItem item in items.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            Received.Enqueue((up.Caller, method, item));
            all.Add(item);
        }

        if (DropStream(up.Caller, method))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the hostile aggregator dropped this stream"));
        }

        using AsyncClientStreamingCall<TItem, TResponse> call = open((up.KeyEpoch, up.Rounds), Forward(context));
        foreach (TItem item in all)
        {
            await call.RequestStream.WriteAsync(item).ConfigureAwait(false);
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        TResponse real = await call.ResponseAsync.ConfigureAwait(false);
        return (TResponse)(Alter(up.Caller, real) ?? real);
    }

    /// <summary>Relays a server stream, each item through <see cref="Alter"/> (null drops it).</summary>
    public async Task RelayServerStreamAsync<TRequest, TItem>(ServerCallContext context, TRequest request, IServerStreamWriter<TItem> writer, Func<(KeyEpoch.KeyEpochClient KeyEpoch, Rounds.RoundsClient Rounds), CallOptions, AsyncServerStreamingCall<TItem>> open)
        where TRequest : IMessage
        where TItem : IMessage
    {
        var up = Upstream(context);
        string method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        Received.Enqueue((up.Caller, method, request));
        using AsyncServerStreamingCall<TItem> call = open((up.KeyEpoch, up.Rounds), Forward(context));
        await foreach (TItem item in call.ResponseStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            if (Alter(up.Caller, item) is TItem answered)
            {
                await writer.WriteAsync(answered).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        foreach (AggregatorChannel channel in _upstream.Values)
        {
            channel.Dispose();
        }
    }

    private static CallOptions Forward(ServerCallContext context) => new(deadline: context.Deadline == DateTime.MaxValue ? null : context.Deadline, cancellationToken: context.CancellationToken);
}

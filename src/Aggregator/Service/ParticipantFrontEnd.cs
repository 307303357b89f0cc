using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Service.Api;
using SecAgg.Aggregator.Service.State;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;
using RoundsApi = SecAgg.Proto.V1.Rounds;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// A participant-facing aggregator endpoint over rounds held elsewhere (a cluster silo's grains): the same pipeline as
/// the single-process <see cref="AggregatorHost"/> (Kestrel HTTP/2 + TLS 1.3 + a client certificate pinned in the
/// consortium file, the refusal / authentication / deadline interceptors, grpc.health.v1, the metrics), the key epoch
/// (secagg.v1.KeyEpoch) over the document store of <see cref="AggregatorHostOptions.Storage"/> — which every front end
/// of the consortium shares, so any of them serves the ceremony — and the given secagg.v1.Rounds implementation.
/// Its handlers read the caller and the call token with <see cref="ParticipantCalls"/> and refuse with
/// <see cref="RefusalException"/>; it finds <see cref="IKeyEpochReadiness"/> and the host's services in DI.
/// </summary>
public sealed class ParticipantFrontEnd : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WebApplication? _operator;
    private readonly ServiceStateStore _docs;
    private readonly ConsortiumRoster _roster;
    private readonly TimeSpan _grace;
    private int _disposed;

    private ParticipantFrontEnd(WebApplication app, WebApplication? @operator, ServiceStateStore docs, ConsortiumRoster roster, TimeSpan grace, int port)
    {
        _app = app;
        _operator = @operator;
        OperatorAddress = @operator is null ? null : new Uri($"https://localhost:{BoundPort(@operator)}/");
        _docs = docs;
        _roster = roster;
        _grace = grace;
        Port = port;
        Address = new Uri($"https://localhost:{port}");
    }

    /// <summary>The address participants on this machine use (https://localhost:port).</summary>
    public Uri Address { get; }

    /// <summary>The port listened on.</summary>
    public int Port { get; }

    /// <summary>The operator port (https://localhost:port: gRPC health, reflection, /metrics; no client certificate), or null without one.</summary>
    public Uri? OperatorAddress { get; }

    /// <summary>The host's services (what <c>configure</c> added, <see cref="IKeyEpochReadiness"/>, the logger factory).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds and starts the endpoint: loads and checks the consortium file (as <see cref="AggregatorHost"/> does), opens
    /// the shared key-epoch documents, registers the pipeline with <typeparamref name="TRounds"/> (constructed from DI),
    /// lets <paramref name="configure"/> add the rounds' back end (e.g. an Orleans silo and its services), checks the key
    /// epoch belongs to this consortium, and starts every hosted service.
    /// </summary>
    /// <exception cref="ConsortiumConfigException">The consortium file is invalid.</exception>
    /// <exception cref="InvalidOperationException">Insecure parameters without permission, or the store holds another consortium's key epoch.</exception>
    /// <exception cref="ArgumentException">The model layout does not have the file's model-dimension.</exception>
    public static async Task<ParticipantFrontEnd> StartAsync<TRounds>(AggregatorHostOptions options, Action<WebApplicationBuilder> configure, CancellationToken cancellationToken = default)
        where TRounds : RoundsApi.RoundsBase
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configure);
        options.Validate();
        ILoggerFactory loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        (ConsortiumConfig config, ConsortiumRoster roster, LivenessTracker liveness, ParticipantAuthenticator authenticator) = ParticipantPipeline.Prepare(options);
        ServiceStateStore? docs = null;
        WebApplication? app = null;
        WebApplication? @operator = null;
        try
        {
            docs = await ServiceStateStore.OpenAsync(options.Storage ?? config.Storage, cancellationToken).ConfigureAwait(false);
            WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
            ParticipantPipeline.Add<TRounds>(builder, options, config, roster, docs, liveness, authenticator, loggers, sharedEpoch: true);
            configure(builder);
            app = builder.Build();
            ParticipantPipeline.Map<TRounds>(app);
            await app.Services.GetRequiredService<KeyEpochState>().InitializeAsync(cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            int port = BoundPort(app);
            if (options.OperatorListen is not null)
            {
                @operator = Operator.OperatorEndpoint.Build(options, app.Services);
                await @operator.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            ParticipantPipeline.SetHealth(app.Services, HealthCheckResponse.Types.ServingStatus.Serving);
            var frontEnd = new ParticipantFrontEnd(app, @operator, docs, roster, options.ShutdownGrace, port);
            ILogger logger = loggers.CreateLogger("SecAgg.Aggregator.Service");
            ServiceLog.Started(logger, frontEnd.Address.ToString(), config.Name, config.Participants.Length, config.Threshold, config.Preset.Name);
            if (frontEnd.OperatorAddress is { } operatorAddress)
            {
                ServiceLog.OperatorListening(logger, operatorAddress.ToString());
            }

            return frontEnd;
        }
        catch
        {
            await ParticipantPipeline.AbandonAsync(@operator, app, docs, roster).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Graceful shutdown: health turns NOT_SERVING, running calls get the shutdown grace, then the hosted services stop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await ParticipantPipeline.ShutDownAsync(_app, _operator, _grace).ConfigureAwait(false);
        await _docs.DisposeAsync().ConfigureAwait(false);
        _roster.Dispose();
    }

    private static int BoundPort(WebApplication app) =>
        new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
}

using System.Security.Cryptography.X509Certificates;
using Grpc.AspNetCore.Server.Model;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Privacy;
using SecAgg.Aggregator.Rounds;
using SecAgg.Aggregator.Service.Api;
using SecAgg.Aggregator.Service.Driver;
using SecAgg.Aggregator.Service.Operator;
using SecAgg.Aggregator.Service.State;
using SecAgg.Aggregator.Storage;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// The aggregator process, an ASP.NET Core host: loads and checks the consortium file, opens the database, serves
/// secagg.v1.KeyEpoch, secagg.v1.Rounds and the standard grpc.health.v1.Health on Kestrel (HTTP/2, TLS 1.3, client
/// certificates from the consortium CA pinned in the file), runs the round driver as a background service, and serves
/// the operator port (<see cref="OperatorEndpoint"/>: health, reflection, /metrics, the status page).
/// <see cref="DisposeAsync"/> shuts down gracefully: health turns NOT_SERVING, running calls get
/// <see cref="AggregatorHostOptions.ShutdownGrace"/> to finish (accepted chunks are durable either way and resume after
/// a restart), then the driver stops, the operator port closes and the database closes.
/// </summary>
public sealed class AggregatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly WebApplication? _operator;
    private readonly IAggregatorStore _store;
    private readonly ServiceStateStore _docs;
    private readonly TimeSpan _grace;
    private readonly ILogger _logger;
    private readonly ConsortiumRoster _roster;
    private int _disposed;

    private AggregatorHost(WebApplication app, WebApplication? @operator, IAggregatorStore store, ServiceStateStore docs, TimeSpan grace, ILogger logger, int port)
    {
        _app = app;
        _operator = @operator;
        OperatorAddress = @operator is null ? null : new Uri($"https://localhost:{new Uri(BoundAddress(@operator).Replace("[::]", "localhost", StringComparison.Ordinal)).Port}/");
        _store = store;
        _docs = docs;
        _grace = grace;
        _logger = logger;
        Port = port;
        Address = new Uri($"https://localhost:{port}");
        Metrics = app.Services.GetRequiredService<AggregatorMetrics>();
        _roster = app.Services.GetRequiredService<ConsortiumRoster>();
    }

    /// <summary>The address participants on this machine use (https://localhost:port).</summary>
    public Uri Address { get; }

    /// <summary>The port listened on.</summary>
    public int Port { get; }

    /// <summary>The operator port's address (https://localhost:port: health, reflection, /metrics, the status page; no client certificate), or null without one.</summary>
    public Uri? OperatorAddress { get; }

    /// <summary>The service's metrics.</summary>
    public AggregatorMetrics Metrics { get; }

    /// <summary>
    /// Starts the aggregator. Throws <see cref="ConsortiumConfigException"/> for a bad consortium file,
    /// <see cref="ArgumentException"/>/<see cref="InvalidOperationException"/> with what to fix otherwise.
    /// </summary>
    public static async Task<AggregatorHost> StartAsync(AggregatorHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ILoggerFactory loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        (ConsortiumConfig config, ConsortiumRoster roster, LivenessTracker liveness, ParticipantAuthenticator authenticator) = ParticipantPipeline.Prepare(options);
        ProtocolPreset preset = config.Preset;
        StorageConfig storage = options.Storage ?? config.Storage;
        IAggregatorStore store = await AggregatorStores.OpenAsync(storage, loggers.CreateLogger("SecAgg.Aggregator.Storage"), cancellationToken).ConfigureAwait(false);
        ServiceStateStore? docs = null;
        WebApplication? app = null;
        WebApplication? @operator = null;
        try
        {
            docs = await ServiceStateStore.OpenAsync(storage, cancellationToken).ConfigureAwait(false);
            app = Build(options, config, preset, roster, store, docs, liveness, authenticator, loggers);
            await InitializeAsync(app.Services, options, cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            int port = new Uri(BoundAddress(app).Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
            if (options.OperatorListen is not null)
            {
                @operator = OperatorEndpoint.Build(options, app.Services);
                await @operator.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            ParticipantPipeline.SetHealth(app.Services, HealthCheckResponse.Types.ServingStatus.Serving);
            ILogger logger = loggers.CreateLogger("SecAgg.Aggregator.Service");
            var host = new AggregatorHost(app, @operator, store, docs, options.ShutdownGrace, logger, port);
            ServiceLog.Started(logger, host.Address.ToString(), config.Name, config.Participants.Length, config.Threshold, preset.Name);
            if (host.OperatorAddress is { } operatorAddress)
            {
                ServiceLog.OperatorListening(logger, operatorAddress.ToString());
            }

            return host;
        }
        catch
        {
            await ParticipantPipeline.AbandonAsync(@operator, app, docs, roster).ConfigureAwait(false);
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The host's services (tests read its state singletons).</summary>
    internal IServiceProvider Services => _app.Services;

    /// <summary>Runs one round-driver step now (tests; the driver also runs on its own).</summary>
    internal Task StepAsync(CancellationToken ct = default) => _app.Services.GetRequiredService<RoundDriver>().StepAsync(ct);

    /// <summary>Graceful shutdown (see the class remarks).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ServiceLog.Stopping(_logger, _grace.TotalSeconds);
        await ParticipantPipeline.ShutDownAsync(_app, _operator, _grace).ConfigureAwait(false);
        await _docs.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        _roster.Dispose();
        ServiceLog.Stopped(_logger);
    }

    private static string BoundAddress(WebApplication app) => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static WebApplication Build(
        AggregatorHostOptions options, ConsortiumConfig config, ProtocolPreset preset, ConsortiumRoster roster, IAggregatorStore store, ServiceStateStore docs,
        LivenessTracker liveness, ParticipantAuthenticator authenticator, ILoggerFactory loggers)
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        ParticipantPipeline.Add<RoundsService>(builder, options, config, roster, docs, liveness, authenticator, loggers, sharedEpoch: false);

        // The rounds behind the pipeline: this process's store and in-memory sums, driven by the round driver.
        var lifecycle = new RoundLifecycle(RoundPolicy.FromConfig(config));
        IServiceCollection s = builder.Services;
        s.AddSingleton(lifecycle).AddSingleton(store);
        s.AddSingleton(new ShareVault(docs, (store as SqlAggregatorStore)?.DataDirectory));
        s.AddSingleton<ShareFold>();
        s.AddSingleton<ModelStore>().AddSingleton<RoundCatalog>().AddSingleton<OpeningReasons>().AddSingleton<UploadDocuments>();
        s.AddSingleton<IPrivacyCost>(new RoundPrivacyCost(preset));
        s.AddSingleton(sp => new RoundCoordinator(store, lifecycle, sp.GetRequiredService<IPrivacyCost>(), config.PrivacyBudget, options.Time, loggers.CreateLogger<RoundCoordinator>()));
        s.AddSingleton(sp =>
        {
            UploadDocuments uploads = sp.GetRequiredService<UploadDocuments>();
            return new UploadAccumulator(store, new SchemeChunkAdder(preset.Scheme), lifecycle, options.Time, loggers.CreateLogger<UploadAccumulator>(), uploads.HasCommitmentAsync);
        });
        s.AddSingleton<PrivacySpent>().AddSingleton<RoundObserver>().AddSingleton<StatusSources>();
        s.AddSingleton<UploadIntake>().AddSingleton<ApprovalDesk>().AddSingleton<DecryptionDesk>();
        s.AddSingleton<RoundDriver>().AddHostedService(sp => sp.GetRequiredService<RoundDriver>());

        WebApplication app = builder.Build();
        ParticipantPipeline.Map<RoundsService>(app);
        return app;
    }

    /// <summary>Creates or checks the key epoch and the initial model, recovers staged uploads, and reads the current round.</summary>
    private static async Task InitializeAsync(IServiceProvider services, AggregatorHostOptions options, CancellationToken ct)
    {
        services.GetRequiredService<RoundObserver>(); // watches the current round from its first state on
        await services.GetRequiredService<PrivacySpent>().RefreshAsync(ct).ConfigureAwait(false);
        services.GetRequiredService<AggregatorMetrics>().ObserveRounds(services.GetRequiredService<RoundCatalog>(), services.GetRequiredService<PrivacySpent>());
        await services.GetRequiredService<KeyEpochState>().InitializeAsync(ct).ConfigureAwait(false);
        float[] model = options.InitialModel ?? new float[options.ModelLayout.TotalLength];
        if (model.Length != options.ModelLayout.TotalLength)
        {
            throw new ArgumentException($"The initial model has {model.Length} values; the layout holds {options.ModelLayout.TotalLength}.", nameof(options));
        }

        await services.GetRequiredService<ModelStore>().StoreInitialAsync(model, ct).ConfigureAwait(false);
        int recovered = await services.GetRequiredService<UploadAccumulator>().RecoverAsync(ct).ConfigureAwait(false);
        if (recovered > 0)
        {
            ServiceLog.Recovered(services.GetRequiredService<ILoggerFactory>().CreateLogger("SecAgg.Aggregator.Service"), recovered);
        }

        IAggregatorStore store = services.GetRequiredService<IAggregatorStore>();
        services.GetRequiredService<ShareVault>().SweepFinished([.. (await store.GetUnfinishedRoundsAsync(ct).ConfigureAwait(false)).Select(r => r.Number)]);
        RoundState? latest = await store.GetLatestRoundAsync(ct).ConfigureAwait(false);
        services.GetRequiredService<RoundCatalog>().Current = latest;
        services.GetRequiredService<RoundObserver>().Resume(latest);
    }
}

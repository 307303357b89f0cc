using System.Diagnostics.Metrics;
using System.Security.Cryptography.X509Certificates;
using Grpc.AspNetCore.Server.Model;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Service.Api;
using SecAgg.Aggregator.Service.Operator;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;
using RoundsApi = SecAgg.Proto.V1.Rounds;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// What every participant-facing aggregator endpoint is, whatever holds the rounds behind it (the single-process
/// <see cref="AggregatorHost"/> or a cluster silo's <see cref="ParticipantFrontEnd"/>): Kestrel with the consortium
/// endpoint (<see cref="ConsortiumEndpoint"/>: HTTP/2, TLS 1.3, a client certificate), secagg.v1.KeyEpoch over the
/// document store, the given secagg.v1.Rounds implementation, grpc.health.v1, the metrics, and the interceptors in
/// order (outermost first): refusals answered with their status and trailer and logged; authentication by certificate
/// pin (the caller's id from then on); a default deadline; KeyEpoch's join steps logged. Each service is mapped as a
/// <see cref="CheckedService{TService}"/>, whose request marshallers answer unparsable messages INVALID_ARGUMENT.
/// </summary>
internal static class ParticipantPipeline
{
    /// <summary>
    /// Loads and checks the consortium file for an endpoint of <paramref name="options"/> (the preset allowed, the model
    /// layout of the file's dimension) and makes who-is-calling: the pinned roster, liveness and the authenticator.
    /// </summary>
    /// <exception cref="ConsortiumConfigException">The consortium file is invalid.</exception>
    /// <exception cref="InvalidOperationException">The NOT SECURE test preset without permission.</exception>
    /// <exception cref="ArgumentException">The model layout does not have the file's model-dimension.</exception>
    public static Identity Prepare(AggregatorHostOptions options)
    {
        ConsortiumConfig config = ConsortiumConfigLoader.Load(options.ConfigPath);
        if (config.Preset.IsInsecureForTests && !options.AllowInsecureParameters)
        {
            throw new InvalidOperationException($"he.preset '{config.HePreset}' is NOT SECURE (tests only) and AllowInsecureParameters is off; use '{ProtocolPresets.PlannedName}'.");
        }

        if (options.ModelLayout.TotalLength != config.ModelDimension)
        {
            throw new ArgumentException(
                $"The model layout holds {options.ModelLayout.TotalLength} values; the consortium file's model-dimension is {config.ModelDimension}. Use the layout of the consortium's model.");
        }

        X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(config.CaCertificatePath));
        var liveness = new LivenessTracker(options.Time, options.LivenessWindow);
        var roster = new ConsortiumRoster(config, new PinnedRoster(config.Descriptor, ca));
        return new Identity(config, roster, liveness, new ParticipantAuthenticator(ca, roster, liveness));
    }

    /// <summary>The checked consortium file and who-is-calling of one endpoint (<see cref="Prepare"/>).</summary>
    public sealed record Identity(ConsortiumConfig Config, ConsortiumRoster Roster, LivenessTracker Liveness, ParticipantAuthenticator Authenticator);

    /// <summary>The names health answers for: the whole server ("") and each secagg service.</summary>
    public static readonly string[] HealthNames = ["", WireKeys.KeyEpochService, WireKeys.RoundsService];

    /// <summary>
    /// Registers the pipeline with <typeparamref name="TRounds"/> as secagg.v1.Rounds. <paramref name="sharedEpoch"/>: other
    /// processes write the same key-epoch documents (cluster silos), so the epoch's view is re-read from the store.
    /// </summary>
    public static void Add<TRounds>(
        WebApplicationBuilder builder, AggregatorHostOptions options, ConsortiumConfig config, ConsortiumRoster roster, ServiceStateStore docs,
        LivenessTracker liveness, ParticipantAuthenticator authenticator, ILoggerFactory loggers, bool sharedEpoch)
        where TRounds : RoundsApi.RoundsBase
    {
        ProtocolPreset preset = config.Preset;
        builder.Services.AddLogging();
        builder.Services.AddSingleton(loggers);
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownGrace);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => ConsortiumEndpoint.Configure(k, options));

        IServiceCollection s = builder.Services;
        s.AddSingleton(options).AddSingleton(config).AddSingleton(preset).AddSingleton(options.ModelLayout).AddSingleton(roster);
        s.AddSingleton(docs).AddSingleton(liveness).AddSingleton(authenticator).AddSingleton<DriverSignal>();
        s.AddSingleton(sp => new KeyEpochState(docs, roster, sp.GetRequiredService<DriverSignal>(), loggers.CreateLogger("SecAgg.Aggregator.Service"), sharedEpoch));
        s.AddSingleton<IKeyEpochReadiness>(sp => sp.GetRequiredService<KeyEpochState>());
        var meter = new Meter(AggregatorMetrics.MeterName, "1.0");
        s.AddSingleton(_ => new AggregatorMetrics(meter));
        AggregatorTelemetry.Add(s, options, meter);
        s.AddSingleton<RefusalJournal>();

        s.AddSingleton<KeyEpochService>().AddSingleton<TRounds>().AddSingleton<HealthServiceImpl>();
        s.AddSingleton<CheckedService<KeyEpochService>>().AddSingleton<CheckedService<TRounds>>();
        s.AddSingleton<IServiceMethodProvider<CheckedService<KeyEpochService>>, CheckedMethodProvider<KeyEpochService>>();
        s.AddSingleton<IServiceMethodProvider<CheckedService<TRounds>>, CheckedMethodProvider<TRounds>>();
        s.AddSingleton<RefusalInterceptor>().AddSingleton<AuthenticationInterceptor>().AddSingleton<CallDeadlineInterceptor>().AddSingleton<JoinLogInterceptor>();
        int roundsLimit = Math.Max(Math.Max(preset.Scheme.UploadBytes, preset.Scheme.ShareBytes), 64 * 1024) + 4096;
        int keyEpochLimit = KeyEpochService.MaxThresholdBlobBytes + 8192;
        s.AddGrpc(g => g.EnableDetailedErrors = false)
            .AddServiceOptions<CheckedService<KeyEpochService>>(g =>
            {
                Secure(g, keyEpochLimit);
                g.Interceptors.Add<JoinLogInterceptor>();
            })
            .AddServiceOptions<CheckedService<TRounds>>(g => Secure(g, roundsLimit));

        static void Secure(Grpc.AspNetCore.Server.GrpcServiceOptions g, int maxReceive)
        {
            g.MaxReceiveMessageSize = maxReceive;
            g.Interceptors.Add<RefusalInterceptor>();
            g.Interceptors.Add<AuthenticationInterceptor>();
            g.Interceptors.Add<CallDeadlineInterceptor>();
        }
    }

    /// <summary>Maps the services <see cref="Add{TRounds}"/> registered.</summary>
    public static void Map<TRounds>(WebApplication app)
        where TRounds : RoundsApi.RoundsBase
    {
        app.MapGrpcService<CheckedService<KeyEpochService>>();
        app.MapGrpcService<CheckedService<TRounds>>();
        app.MapGrpcService<HealthServiceImpl>();
    }

    /// <summary>Undoes a start that failed part way: the servers built so far, the documents, the roster.</summary>
    public static async Task AbandonAsync(WebApplication? @operator, WebApplication? app, ServiceStateStore? docs, ConsortiumRoster roster)
    {
        if (@operator is not null)
        {
            await @operator.DisposeAsync().ConfigureAwait(false);
        }

        if (app is not null)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }

        if (docs is not null)
        {
            await docs.DisposeAsync().ConfigureAwait(false);
        }

        roster.Dispose();
    }

    /// <summary>
    /// The graceful stop both back ends share: health says NOT_SERVING, the participant endpoint stops taking calls and
    /// lets running ones finish for up to <paramref name="grace"/>, the operator port (when there is one) closes last, so
    /// probes see NOT_SERVING while calls drain; then the host is disposed (a last metrics export).
    /// </summary>
    public static async Task ShutDownAsync(WebApplication app, WebApplication? operatorPort, TimeSpan grace)
    {
        SetHealth(app.Services, HealthCheckResponse.Types.ServingStatus.NotServing);
        using (var drain = new CancellationTokenSource(grace))
        {
            try
            {
                await app.StopAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (operatorPort is not null)
        {
            await operatorPort.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await operatorPort.DisposeAsync().ConfigureAwait(false);
        }

        await app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Sets what health answers for the server and each service.</summary>
    public static void SetHealth(IServiceProvider services, HealthCheckResponse.Types.ServingStatus status)
    {
        HealthServiceImpl health = services.GetRequiredService<HealthServiceImpl>();
        foreach (string name in HealthNames)
        {
            health.SetStatus(name, status);
        }
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Config;
using SecAgg.Aggregator.Storage;
using SecAgg.Protocol;
using SecAgg.Transport;

namespace SecAgg.Aggregator.Service;

/// <summary>
/// The aggregator process: loads and checks the consortium file, opens the database, starts the
/// KeyEpoch/Rounds/Health services on Kestrel with mutual TLS against the consortium CA, and runs the
/// round driver. <see cref="DisposeAsync"/> shuts down gracefully: health turns NOT_SERVING, running
/// calls get <see cref="AggregatorHostOptions.ShutdownGrace"/> to finish (accepted chunks are durable
/// either way and resume after a restart), then the driver stops and the database closes.
/// </summary>
public sealed class AggregatorHost : IAsyncDisposable
{
    private readonly GrpcServer _server;
    private readonly AggregatorService _service;
    private readonly IAggregatorStore _store;
    private readonly ServiceStateStore _docs;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _driver;
    private readonly ILogger _logger;
    private readonly TimeSpan _grace;
    private int _disposed;

    private AggregatorHost(GrpcServer server, AggregatorService service, IAggregatorStore store, ServiceStateStore docs, TimeSpan tick, TimeSpan grace, ILogger logger)
    {
        _server = server;
        _service = service;
        _store = store;
        _docs = docs;
        _grace = grace;
        _logger = logger;
        _driver = Task.Run(() => service.RunDriverAsync(tick, _stop.Token));
    }

    /// <summary>The address participants use (https://localhost:port).</summary>
    public Uri Address => _server.Address;

    /// <summary>The port listened on.</summary>
    public int Port => _server.Port;

    /// <summary>The service's metrics.</summary>
    public AggregatorMetrics Metrics => _service.Metrics;

    /// <summary>
    /// Starts the aggregator. Throws <see cref="ConsortiumConfigException"/> for a bad consortium file,
    /// <see cref="ArgumentException"/>/<see cref="InvalidOperationException"/> with what to fix otherwise.
    /// </summary>
    public static async Task<AggregatorHost> StartAsync(AggregatorHostOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ILoggerFactory loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        ConsortiumConfig config = ConsortiumConfigLoader.Load(options.ConfigPath, ProtocolPresets.Names);
        ProtocolPreset preset = ResolvePreset(config, options);
        StorageConfig storage = options.Storage ?? config.Storage;
        IAggregatorStore store = await AggregatorStores.OpenAsync(storage, loggers.CreateLogger("SecAgg.Aggregator.Storage"), cancellationToken).ConfigureAwait(false);
        ServiceStateStore? docs = null;
        try
        {
            docs = await ServiceStateStore.OpenAsync(storage, cancellationToken).ConfigureAwait(false);
            var service = new AggregatorService(config, store, docs, preset, options.ModelLayout, options.Rounds ?? config.Dp.Rounds, options.Time, loggers)
            {
                LivenessWindow = options.LivenessWindow > TimeSpan.Zero ? options.LivenessWindow : throw new ArgumentOutOfRangeException(nameof(options), "LivenessWindow must be positive."),
            };
            await service.InitializeAsync(options.InitialModel, cancellationToken).ConfigureAwait(false);
            var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(config.CaCertificatePath));
            var serverOptions = new GrpcServerOptions
            {
                ServerCertificate = options.ServerCertificate,
                ClientCertificateAuthority = ca,
                MaxReceiveMessageSize = Math.Max(preset.Scheme.CiphertextBytes, 64 * 1024) + 4096,
            };
            GrpcServer server = await GrpcServer.StartAsync(service.CreateRegistry(), serverOptions, options.Listen, options.LoggerFactory, null, cancellationToken).ConfigureAwait(false);
            service.Serving = true;
            ILogger logger = loggers.CreateLogger("SecAgg.Aggregator.Service");
            ServiceLog.Started(logger, server.Address.ToString(), config.Name, config.Participants.Length, config.Threshold, preset.Name);
            return new AggregatorHost(server, service, store, docs, options.TickInterval, options.ShutdownGrace, logger);
        }
        catch
        {
            if (docs is not null)
            {
                await docs.DisposeAsync().ConfigureAwait(false);
            }

            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs one round-driver step now (tests; the driver also runs on its own).</summary>
    internal Task StepAsync(CancellationToken ct = default) => _service.StepAsync(ct);

    /// <summary>Graceful shutdown (see the class remarks).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ServiceLog.Stopping(_logger);
        _service.Serving = false;
        try
        {
            await _server.StopAsync(_grace).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _driver.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _server.DisposeAsync().ConfigureAwait(false);
        _service.Metrics.Dispose();
        await _docs.DisposeAsync().ConfigureAwait(false);
        await _store.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private static ProtocolPreset ResolvePreset(ConsortiumConfig config, AggregatorHostOptions options)
    {
        int n = config.Participants.Length;
        double delta = config.PrivacyBudget.Delta;
        double? z = config.Dp.NoiseSigma;
        if (ProtocolPresets.SchemeOf(config.HePreset) != config.Scheme)
        {
            string suggestion = config.Scheme == HeScheme.Ckks ? ProtocolPresets.CkksName : ProtocolPresets.PlannedName;
            throw new InvalidOperationException(
                $"he.preset '{config.HePreset}' is a {HeSchemeNames.Name(ProtocolPresets.SchemeOf(config.HePreset))} preset but he.scheme is {HeSchemeNames.Name(config.Scheme)}; use he.preset: {suggestion} (or change he.scheme).");
        }

        if (config.Scheme == HeScheme.Ckks)
        {
            bool insecure = config.HePreset == ProtocolPresets.InsecureForTestsCkksName;
            if (insecure && !options.AllowInsecureParameters)
            {
                throw new InvalidOperationException($"he.preset '{config.HePreset}' is NOT SECURE (tests only) and AllowInsecureParameters is off; use '{ProtocolPresets.CkksName}'.");
            }

            if (config.Dp.Bits > 32)
            {
                throw new InvalidOperationException($"dp.bits = {config.Dp.Bits}: the CKKS grid carries at most 32-bit values; lower dp.bits.");
            }

            ProtocolPreset c = insecure ? ProtocolPresets.InsecureForTestsCkks(n, config.Threshold) : ProtocolPresets.PlannedCkks(n, config.Threshold);
            c = c.WithDdg(new DdgSettings(config.Dp.Bits, config.Dp.Clip, z ?? FindZ(config, options, delta)));
            if (c.Scheme.CheckCapacity(n, n) is { } problem)
            {
                throw new InvalidOperationException($"he.scheme ckks with he.preset '{config.HePreset}' cannot carry this consortium's sums exactly: {problem}; lower dp.bits.");
            }

            return c;
        }

        if (config.HePreset == ProtocolPresets.InsecureForTestsName)
        {
            if (!options.AllowInsecureParameters)
            {
                throw new InvalidOperationException($"he.preset '{config.HePreset}' is NOT SECURE (tests only) and AllowInsecureParameters is off; use '{ProtocolPresets.PlannedName}'.");
            }

            ProtocolPreset p = ProtocolPresets.InsecureForTests(n, config.Threshold);
            if (config.Dp.Bits != p.Ddg.Bits)
            {
                throw new InvalidOperationException($"dp.bits = {config.Dp.Bits}, but he.preset '{config.HePreset}' packs {p.Ddg.Bits}-bit values; set dp.bits: {p.Ddg.Bits}.");
            }

            return p with { Ddg = new DdgSettings(config.Dp.Bits, config.Dp.Clip, z ?? FindZ(config, options, delta)) };
        }

        if (config.Dp.Bits > 32)
        {
            throw new InvalidOperationException($"dp.bits = {config.Dp.Bits}: the HE layer packs at most 32-bit values; lower dp.bits.");
        }

        ProtocolPreset planned = ProtocolPresets.Planned(n, config.Threshold, options.ModelLayout.TotalLength, config.Dp.Clip, 1.0, config.Dp.Bits);
        return planned with { Ddg = planned.Ddg with { NoiseMultiplier = z ?? FindZ(config, options, delta) } };
    }

    private static double FindZ(ConsortiumConfig config, AggregatorHostOptions options, double delta) =>
        Quantize.Accounting.PrivacyAccountant.FindDdgNoiseMultiplier(
            new Quantize.Ddg.DdgParameterLiteral { Bits = config.Dp.Bits, ExpectedParticipants = config.Participants.Length, Dimension = options.ModelLayout.TotalLength, ClipNorm = config.Dp.Clip },
            config.Dp.TargetEpsilon!.Value, delta, config.Dp.Rounds);
}

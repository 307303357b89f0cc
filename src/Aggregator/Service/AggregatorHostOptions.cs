using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using SecAgg.Protocol.Consortium;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Service;

/// <summary>What <see cref="AggregatorHost.StartAsync"/> needs: the consortium file, where to listen, the database, the TLS certificate and the model layout.</summary>
public sealed class AggregatorHostOptions
{
    /// <summary>Path of the consortium YAML file (docs/aggregator.md).</summary>
    public required string ConfigPath { get; init; }

    /// <summary>The aggregator's TLS server certificate with its private key, issued by the consortium CA.</summary>
    public required X509Certificate2 ServerCertificate { get; init; }

    /// <summary>Layout of the flattened model/update (tensor names and shapes, in order).</summary>
    public required TensorLayout ModelLayout { get; init; }

    /// <summary>Where to listen (default 127.0.0.1, ephemeral port).</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// Where the operator port listens (default 127.0.0.1, ephemeral port; the CLI's default is the main port + 1): gRPC
    /// health and reflection, <c>/metrics</c> and the status page, over TLS with <see cref="ServerCertificate"/> but
    /// without client certificates. Nothing secret is served there, but keep it on the operator's network. Null: no
    /// operator port.
    /// </summary>
    public IPEndPoint? OperatorListen { get; init; } = new(IPAddress.Loopback, 0);

    /// <summary>An OpenTelemetry collector to push the metrics to (every 60 s and at shutdown); null pushes nothing.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>How <see cref="OtlpEndpoint"/> is spoken to (default OTLP over gRPC).</summary>
    public OtlpTransport OtlpProtocol { get; init; } = OtlpTransport.Grpc;

    /// <summary>Overrides the consortium file's storage section (e.g. the CLI's --database); null keeps the file's.</summary>
    public StorageConfig? Storage { get; init; }

    /// <summary>Model version 0 (length = layout total); null starts from zeros. Each round publishes previous + mean update.</summary>
    public float[]? InitialModel { get; init; }

    /// <summary>Rounds to open in total; null uses the consortium file's dp.rounds.</summary>
    public int? Rounds { get; init; }

    /// <summary>Accept the test-only HE preset (NOT SECURE). Off by default.</summary>
    public bool AllowInsecureParameters { get; init; }

    /// <summary>How often the round driver checks deadlines when nothing else wakes it.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// A participant counts as live when it made an authenticated call within this window (default 30 s; a waiting
    /// participant polls every 0.5 s by default). The t-of-N decryption set is chosen among live participants first,
    /// so one that uploaded and then crashed is not picked while t others are live.
    /// </summary>
    public TimeSpan LivenessWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Clock for deadlines.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Logging; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>How long shutdown waits for in-flight calls before cancelling them (their accepted chunks stay staged).</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Deadline of a call whose client sent none (default 30 minutes): the call then ends with DEADLINE_EXCEEDED; an
    /// upload resumes where it stopped. A client's own deadline is kept.
    /// </summary>
    public TimeSpan DefaultCallDeadline { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Send an HTTP/2 PING to a connection idle this long (default 60 s); null sends none.</summary>
    public TimeSpan? KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Close a connection whose keepalive PING is not answered within this time (default 20 s).</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The default <see cref="InitialStreamWindowSize"/>: 2 MiB, about a 1 Gbit/s hospital link's bandwidth-delay
    /// product at 20 ms (2.5 MB); Kestrel's own 768 KiB caps an upload stream at ~36 MB/s (290 Mbit/s) over that link.</summary>
    public const int DefaultInitialStreamWindowSize = 2 << 20;

    /// <summary>The default <see cref="InitialConnectionWindowSize"/>: 4 MiB (an upload and a share stream of one site at once).</summary>
    public const int DefaultInitialConnectionWindowSize = 4 << 20;

    /// <summary>
    /// HTTP/2 per-stream receive window in bytes (default <see cref="DefaultInitialStreamWindowSize"/>); null keeps
    /// Kestrel's 768 KiB. An upload stream moves at most about window / round-trip time, so raise it for participants
    /// farther away or on faster links (e.g. 4 MiB at 50 ms for ~80 MB/s). It bounds what one stream can have buffered
    /// unread, and the connection window what one site can (memory: at most N × the connection window).
    /// </summary>
    public int? InitialStreamWindowSize { get; init; } = DefaultInitialStreamWindowSize;

    /// <summary>HTTP/2 per-connection receive window in bytes (at least the stream window; default
    /// <see cref="DefaultInitialConnectionWindowSize"/>); null keeps Kestrel's 1 MiB.</summary>
    public int? InitialConnectionWindowSize { get; init; } = DefaultInitialConnectionWindowSize;

    /// <summary>Most concurrent calls per HTTP/2 connection (default 100).</summary>
    public int MaxStreamsPerConnection { get; init; } = 100;

    /// <summary>Checks the options that do not depend on the consortium file.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A duration or size is not positive.</exception>
    internal void Validate()
    {
        Positive(LivenessWindow, nameof(LivenessWindow));
        Positive(TickInterval, nameof(TickInterval));
        Positive(DefaultCallDeadline, nameof(DefaultCallDeadline));
        Positive(KeepAlivePingTimeout, nameof(KeepAlivePingTimeout));
        if (KeepAlivePingDelay is { } delay)
        {
            Positive(delay, nameof(KeepAlivePingDelay));
        }

        if (ShutdownGrace < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ShutdownGrace), ShutdownGrace, "ShutdownGrace must not be negative.");
        }

        if (MaxStreamsPerConnection <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxStreamsPerConnection), MaxStreamsPerConnection, "MaxStreamsPerConnection must be positive.");
        }

        if (OtlpEndpoint is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
        {
            throw new ArgumentException($"OtlpEndpoint '{OtlpEndpoint}' must be an absolute http:// or https:// address, e.g. http://collector:4317.", nameof(OtlpEndpoint));
        }

        if (InitialStreamWindowSize is { } sw && InitialConnectionWindowSize is { } cw && cw < sw)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialConnectionWindowSize), cw, $"InitialConnectionWindowSize must be at least InitialStreamWindowSize ({sw}).");
        }
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
        }
    }

    /// <summary>Loads a PEM certificate and PEM private key (e.g. from the consortium's files) as a server certificate.</summary>
    public static X509Certificate2 LoadCertificate(string certificatePemPath, string privateKeyPemPath)
    {
        using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certificatePemPath, privateKeyPemPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}

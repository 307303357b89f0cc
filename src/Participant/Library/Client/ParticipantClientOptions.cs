using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace SecAgg.Participant.Client;

/// <summary>How a <see cref="ParticipantClient"/> reaches its aggregator and where it keeps its state.</summary>
public sealed class ParticipantClientOptions
{
    /// <summary>The aggregator's address, e.g. <c>https://aggregator.example:7443</c>.</summary>
    public required Uri Aggregator { get; init; }

    /// <summary>
    /// Other front ends of the same aggregator cluster (any of them accepts any call), tried after <see cref="Aggregator"/>
    /// when it cannot be reached or its connection is lost; empty for a single-process aggregator.
    /// </summary>
    public IReadOnlyList<Uri> AlternateAggregators { get; init; } = [];

    /// <summary>
    /// This participant's enrollment certificate with its private key (issued by the consortium CA from the site's CSR,
    /// pinned by its SHA-256 in the consortium file): the TLS client certificate, and the key every statement is signed with.
    /// </summary>
    public required X509Certificate2 ClientCertificate { get; init; }

    /// <summary>
    /// This participant's OWN copy of the consortium file: roster and pins, t, c, m, parameters and budget, and (its
    /// <c>ca:</c> entry) the consortium CA, the only trust anchor for the aggregator's certificate. Nothing the aggregator
    /// announces is taken from it; everything is checked against this file.
    /// </summary>
    public required string ConsortiumFile { get; init; }

    /// <summary>The local state directory (epoch secrets and keys, ledgers, uploads in progress; mode 0700/0600).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>This participant's consortium id (the CN of its certificate).</summary>
    public required string ParticipantId { get; init; }

    /// <summary>Per-call timeout (default 5 minutes); also how long a submit waits for its round to open.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often to ask again while the aggregator is still collecting (default 500 ms).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How many upload streams are tried before giving up (default 5); between them the wait doubles from
    /// <see cref="TransientRetryDelay"/> (at least <see cref="PollInterval"/>, at most 30 s): 7.5 s in all by default.
    /// </summary>
    public int MaxUploadAttempts { get; init; } = 5;

    /// <summary>
    /// Attempts of a unary call that fails transiently (UNAVAILABLE; DEADLINE_EXCEEDED for reads) before the error is
    /// reported (default 5, so a restarting aggregator is ridden out); 1 disables retries.
    /// </summary>
    public int MaxTransientAttempts { get; init; } = 5;

    /// <summary>First delay between transient retries (default 500 ms; doubled each retry, with jitter, at most 30 s).</summary>
    public TimeSpan TransientRetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Whether this client keeps its key epoch's keys (s_i and the Shamir shares, read from the 0600 key file) in memory
    /// from one round to the next (default true), or reads the key file again for each round and wipes the keys when the
    /// round's decryption answer ends. Keeping them saves a warm participant reading, checking (SHA-256 over the file) and
    /// unpacking its key file once per round (about 12–17 ms of CPU at N = 10, n = 2^15, issue 17); the price is that the
    /// epoch secrets stay in this process's memory while the client lives, as they stay on this host's disk anyway. They
    /// are wiped when the client is disposed or another epoch's keys replace them, and never logged. A process that runs
    /// one round (the <c>secagg participant</c> commands) is not affected.
    /// </summary>
    public bool KeepEpochKeysBetweenRounds { get; init; } = true;

    /// <summary>HTTP/2 settings of the channel (keepalive pings, stream window, message limit); its default call deadline is <see cref="CallTimeout"/>.</summary>
    public AggregatorChannelOptions Channel { get; init; } = new();

    /// <summary>Where retries and waits are logged; null logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Tests only: an interceptor between the library and the channel (plays a tampering aggregator).</summary>
    internal Grpc.Core.Interceptors.Interceptor? TestInterceptor { get; init; }

    /// <summary>Accept a consortium file whose he.preset is the NOT SECURE test preset (tests and the demo only).</summary>
    public bool AllowInsecureForTests { get; init; }
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using SecAgg.Quantize.Ddg;

namespace SecAgg.Aggregator.Cluster.Hosting;

/// <summary>What one silo process of the cluster is started with (<c>SecAgg.Aggregator.Cluster --help</c>).</summary>
public sealed record ClusterNodeOptions
{
    /// <summary>The consortium file (the same on every silo): roster pins, CA, t, m, deadlines, HE preset, storage.</summary>
    public required string ConsortiumFile { get; init; }

    /// <summary>A folder holding each enrolled participant's certificate as ID.pem (admitted against the file's pins).</summary>
    public required string CertificatesDirectory { get; init; }

    /// <summary>The PostgreSQL connection string: a cluster of silos sharing that database (default: the consortium file's storage section when it is postgres).</summary>
    public string? Postgres { get; init; }

    /// <summary>
    /// A folder for the one-machine node: one silo, localhost clustering, everything durable in <c>FOLDER/cluster.db</c>
    /// (default when the consortium file's storage section is sqlite: <c>PATH.cluster</c> next to its <c>path</c>).
    /// </summary>
    public string? Sqlite { get; init; }

    /// <summary>The key epoch whose statements are accepted.</summary>
    public ulong Epoch { get; init; } = 1;

    /// <summary>P: sum partitions per round.</summary>
    public int Partitions { get; init; } = 16;

    /// <summary>The address other silos and clients reach this silo at (the one-machine node listens on loopback only).</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>Orleans cluster id (silos of one deployment share it).</summary>
    public string ClusterId { get; init; } = "secagg";

    /// <summary>Orleans service id (grain state is keyed by it; default: the consortium's name).</summary>
    public string? ServiceId { get; init; }

    /// <summary>
    /// Running in a Kubernetes pod: the address, cluster and service ids come from the pod (POD_IP, ORLEANS_CLUSTER_ID,
    /// ORLEANS_SERVICE_ID, set by the manifest), and silos whose pods are gone are declared dead at once.
    /// </summary>
    public bool Kubernetes { get; init; }

    /// <summary>Where this silo serves participants (secagg.v1 over mTLS); null: grains only, no participant endpoint.</summary>
    public IPEndPoint? Listen { get; init; }

    /// <summary>The operator port beside <see cref="Listen"/> (gRPC health, reflection, /metrics; TLS with the server certificate, no client certificate); null: none.</summary>
    public IPEndPoint? OperatorListen { get; init; }

    /// <summary>The aggregator's server certificate with its private key (the same on every silo; its names cover the addresses participants use).</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>The model's tensor layout (what participants encode; part of each round's parameter digest); default one flat tensor "model" of the file's model-dimension.</summary>
    public TensorLayout? ModelLayout { get; init; }

    /// <summary>Model version 0 when no silo holds one yet (the layout's length); null: zeros. A silo that finds version 0 held keeps it.</summary>
    public float[]? InitialModel { get; init; }

    /// <summary>Accept the NOT SECURE test preset (tests only).</summary>
    public bool AllowInsecureParameters { get; init; }

    /// <summary>The participant endpoint's loggers (null: none).</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}

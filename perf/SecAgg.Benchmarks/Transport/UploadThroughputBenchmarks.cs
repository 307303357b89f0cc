using System.Net;
using System.Security.Authentication;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using SecAgg.Participant.Client;
using SecAgg.Proto.V1;
using SecAgg.Security;

namespace SecAgg.Benchmarks.Transport;

/// <summary>
/// Upload throughput over loopback: a gRPC client stream of 1 MiB ciphertext chunks
/// (Rounds.UploadCiphertexts on ASP.NET Core gRPC; the client is Grpc.Net.Client, with mutual TLS the participant's
/// AggregatorChannel) against a plain HTTP/2 POST of the same bytes in 1 MiB writes to the same Kestrel server (the
/// baseline), cleartext and mutual TLS.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*UploadThroughput*'
/// </summary>
[MedianColumn]
[Config(typeof(ThroughputConfig))]
public class UploadThroughputBenchmarks
{
    /// <summary>Bytes of ciphertext per operation.</summary>
    public const int MessageCount = 64;

    /// <summary>Bytes per message.</summary>
    public const int MessageSize = 1 << 20;

    private readonly byte[] _payload = new byte[MessageSize];
    private CertificateAuthority? _ca;
    private WebApplication _server = null!;
    private Uri _address = null!;
    private GrpcChannel? _cleartext;
    private AggregatorChannel? _mutualTls;
    private Rounds.RoundsClient _client = null!;
    private HttpClient _http = null!;
    private CiphertextUploadMessage[] _messages = null!;

    /// <summary>Cleartext HTTP/2 (h2c) or mutual TLS.</summary>
    [Params(false, true)]
    public bool MutualTls { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        System.Security.Cryptography.RandomNumberGenerator.Fill(_payload);
        var handler = new SocketsHttpHandler();
        System.Security.Cryptography.X509Certificates.X509Certificate2? serverCertificate = null, clientCertificate = null;
        if (MutualTls)
        {
            _ca = CertificateAuthority.Create("Benchmark CA");
            serverCertificate = _ca.IssueServerCertificate("aggregator", ["localhost"], [IPAddress.Loopback]);
            clientCertificate = _ca.IssueClientCertificate("bench");
            handler.SslOptions.ClientCertificates = [clientCertificate];
            X509Root root = new(_ca.Certificate);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => root.Check(cert);
        }

        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 2 * MessageSize);
        builder.Services.AddSingleton<CountingRounds>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Limits.MinRequestBodyDataRate = null;
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (serverCertificate is not null)
                {
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = serverCertificate,
                        SslProtocols = SslProtocols.Tls13,
                        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                        ClientCertificateValidation = (certificate, _, _) => CertificateAuthority.ChainsTo(certificate, _ca!.Certificate, X509KeyUsageForPeer.ClientAuthentication),
                    });
                }
            });
        });
        _server = builder.Build();
        _server.MapGrpcService<CountingRounds>();
        _server.MapPost("/raw", async http =>
        {
            // The baseline: read a plain HTTP/2 POST body to its end.
            long total = 0;
            while (true)
            {
                var result = await http.Request.BodyReader.ReadAsync();
                total += result.Buffer.Length;
                http.Request.BodyReader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            http.Response.StatusCode = total == (long)MessageCount * MessageSize ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest;
        });
        await _server.StartAsync();
        int port = new Uri(_server.Urls.First()).Port;
        _address = new Uri(MutualTls ? $"https://localhost:{port}" : $"http://127.0.0.1:{port}");
        if (MutualTls)
        {
            _mutualTls = AggregatorChannel.Create(_address, clientCertificate, _ca!.Certificate, new AggregatorChannelOptions { DefaultCallDeadline = null });
            _client = new Rounds.RoundsClient(_mutualTls.CallInvoker);
        }
        else
        {
            _cleartext = GrpcChannel.ForAddress(_address);
            _client = new Rounds.RoundsClient(_cleartext);
        }

        _http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        _messages = new CiphertextUploadMessage[MessageCount + 1];
        _messages[0] = new CiphertextUploadMessage { Header = new UploadHeader { Round = 1, TotalChunks = MessageCount, Weight = 1, ParticipantId = "bench" } };
        for (int i = 0; i < MessageCount; i++)
        {
            _messages[i + 1] = new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 1, ChunkIndex = (uint)i, Ciphertext = UnsafeByteOperations.UnsafeWrap(_payload) } };
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _http.Dispose();
        _cleartext?.Dispose();
        _mutualTls?.Dispose();
        await _server.StopAsync();
        await _server.DisposeAsync();
        _ca?.Dispose();
    }

    /// <summary>Baseline: the same bytes as one plain HTTP/2 POST, written 1 MiB at a time.</summary>
    [Benchmark(Baseline = true)]
    public async Task PlainHttp2Post()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_address, "/raw"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ChunkedContent(_payload, MessageCount),
        };
        using HttpResponseMessage response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>gRPC client stream: header + 64 chunk messages of 1 MiB.</summary>
    [Benchmark]
    public async Task GrpcClientStream()
    {
        using AsyncClientStreamingCall<CiphertextUploadMessage, UploadCiphertextsResponse> call = _client.UploadCiphertexts();
        foreach (CiphertextUploadMessage m in _messages)
        {
            await call.RequestStream.WriteAsync(m);
        }

        await call.RequestStream.CompleteAsync();
        UploadCiphertextsResponse response = await call;
        if (response.AcceptedCount != MessageCount)
        {
            throw new InvalidOperationException("The server did not receive every chunk.");
        }
    }

    /// <summary>The server side: counts the chunk messages of an upload stream.</summary>
    private sealed class CountingRounds : Rounds.RoundsBase
    {
        public override async Task<UploadCiphertextsResponse> UploadCiphertexts(IAsyncStreamReader<CiphertextUploadMessage> requestStream, ServerCallContext context)
        {
            uint count = 0;
            while (await requestStream.MoveNext())
            {
                if (requestStream.Current.KindCase == CiphertextUploadMessage.KindOneofCase.Chunk)
                {
                    count++;
                }
            }

            return new UploadCiphertextsResponse { AcceptedCount = count };
        }
    }

    private sealed class ChunkedContent(byte[] chunk, int count) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (int i = 0; i < count; i++)
            {
                await stream.WriteAsync(chunk);
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    private sealed class X509Root(System.Security.Cryptography.X509Certificates.X509Certificate2 ca)
    {
        public bool Check(System.Security.Cryptography.X509Certificates.X509Certificate? certificate) =>
            certificate is not null && CertificateAuthority.ChainsTo(System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), ca, X509KeyUsageForPeer.ServerAuthentication);
    }

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig()
        {
            // 15 measured iterations and the median: the shared 2-core machine is noisy (load spikes from builds).
            Job basic = Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(15);
            AddJob(basic.WithId("DefaultGC"));

            // Google.Protobuf parses every `bytes` field into a fresh array: a 1 MiB chunk lands on the
            // large-object heap and 64 of them trigger several gen2 collections per operation on the
            // server. Raising the LOH threshold above the chunk size keeps them in gen0.
            AddJob(basic.WithEnvironmentVariables(new EnvironmentVariable("DOTNET_GCLOHThreshold", "0x400000")).WithId("LOH4MiB"));
            AddColumn(new MegabytesPerSecondColumn());
        }
    }

    /// <summary>MB/s (10^6 bytes per second) of payload moved per operation.</summary>
    private sealed class MegabytesPerSecondColumn : IColumn
    {
        public string Id => "MBps";
        public string ColumnName => "MB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Payload megabytes (10^6 B) per second, from the median time";

        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase)
        {
            double? nanoseconds = summary[benchmarkCase]?.ResultStatistics?.Median;
            return nanoseconds is > 0 ? ((double)MessageCount * MessageSize / (nanoseconds.Value / 1e9) / 1e6).ToString("F0", System.Globalization.CultureInfo.InvariantCulture) : "-";
        }

        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}

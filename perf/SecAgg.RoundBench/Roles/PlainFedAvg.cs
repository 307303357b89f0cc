using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using SecAgg.Aggregator.Service;
using SecAgg.RoundBench.Orchestration;
using System.Security.Authentication;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using SecAgg.Participant.Client;
using PlainApi = SecAgg.RoundBench.Plain.PlainFedAvg;
using SecAgg.Security;

namespace SecAgg.RoundBench.Roles;

/// <summary>
/// Plaintext FedAvg over the same transport as the secure path: ASP.NET Core gRPC (HTTP/2, Kestrel) and the participant's channel, with mutual
/// TLS and the consortium's certificates. Upload: a client stream of 1 MiB float32 chunks (round and participant in the
/// call headers), summed into the round's running sum as they arrive; when N uploads are in, the mean is the new model.
/// Download: a server stream of 1 MiB chunks of the model, after it is published. No encryption, no durability, no DP.
/// </summary>
internal static class PlainFedAvg
{
    /// <summary>Bytes per upload / download message (the secure path's ciphertext chunks are of the same order).</summary>
    public const int ChunkBytes = 1 << 20;

    /// <summary>The server as its own process. Commands: "reset", "stats", "quit"; events "counted" and "published".</summary>
    public static async Task<int> RunServerAsync(IReadOnlyDictionary<string, string> args)
    {
        string consortium = args["consortium"];
        int parties = int.Parse(args["participants"], CultureInfo.InvariantCulture);
        int dimension = int.Parse(args["dimension"], CultureInfo.InvariantCulture);
        var state = new ServerState(parties, dimension);
        X509Certificate2 serverCertificate = AggregatorHostOptions.LoadCertificate(Path.Combine(consortium, "aggregator", "aggregator.pem"), Path.Combine(consortium, "aggregator", "aggregator.key"));
        X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(consortium, "ca", "ca.pem")));
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.Services.AddSingleton(new Service(state, dimension));
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 2 * ChunkBytes);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Limits.MinRequestBodyDataRate = null;
            // The aggregator's HTTP/2 receive windows (its defaults): the same transport on both paths, over a WAN too.
            k.Limits.Http2.InitialStreamWindowSize = AggregatorHostOptions.DefaultInitialStreamWindowSize;
            k.Limits.Http2.InitialConnectionWindowSize = AggregatorHostOptions.DefaultInitialConnectionWindowSize;
            k.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    SslProtocols = SslProtocols.Tls13,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (certificate, _, _) => CertificateAuthority.ChainsTo(certificate, ca, X509KeyUsageForPeer.ClientAuthentication),
                });
            });
        });
        await using WebApplication server = builder.Build();
        server.MapGrpcService<Service>();
        await server.StartAsync();
        RoleIo.Send("listening", $"https://localhost:{new Uri(server.Urls.First()).Port}");
        await RoleIo.RunCommandsAsync((command, _) =>
        {
            switch (command)
            {
                case "reset":
                    PeakMemory.Reset();
                    ProcessCpu.Reset();
                    state.ResetFirstByte();
                    RoleIo.Send("reset-ok");
                    break;
                case "stats":
                    RoleIo.SendJson("stats", new ServerStats(PeakMemory.ReadBytes(), state.FirstByte, ProcessCpu.Seconds()));
                    break;
                default:
                    RoleIo.Send("error", $"unknown command '{command}'");
                    break;
            }

            return Task.CompletedTask;
        });
        return 0;
    }

    /// <summary>One plaintext participant as its own process: "go R" → encode, upload, download; "@round {json}".</summary>
    public static async Task<int> RunParticipantAsync(IReadOnlyDictionary<string, string> args)
    {
        string consortium = args["consortium"], id = args["id"];
        int dimension = int.Parse(args["dimension"], CultureInfo.InvariantCulture);
        int index = int.Parse(args["index"], CultureInfo.InvariantCulture);
        X509Certificate2 certificate = AggregatorHostOptions.LoadCertificate(Path.Combine(consortium, "participants", id, "client.pem"), Path.Combine(consortium, "participants", id, "client.key"));
        X509Certificate2 ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(consortium, "ca", "ca.pem")));
        using var channel = AggregatorChannel.Create(new Uri(args["server"]), certificate, ca, new AggregatorChannelOptions { MaxReceiveMessageSize = 2 * ChunkBytes, ConnectTimeout = TimeSpan.FromMinutes(2) });
        var client = new PlainApi.PlainFedAvgClient(channel.CallInvoker);
        float[] update = ParticipantRole.Update(dimension, index);

        // Open the connection (TLS handshake) before the first round, as the secure participant's join does.
        await Retry(async () => await client.PingAsync(new Empty()));
        RoleIo.Send("joined", "0");
        await RoleIo.RunCommandsAsync(async (command, words) =>
        {
            switch (command)
            {
                case "reset":
                    PeakMemory.Reset();
                    ProcessCpu.Reset();
                    RoleIo.Send("reset-ok");
                    break;
                case "go":
                    long round = long.Parse(words[0], CultureInfo.InvariantCulture);
                    double go = Clock.Now();

                    // "Encode": the float32 bytes of the update (what the secure path quantizes and encrypts instead).
                    byte[] payload = MemoryMarshal.AsBytes(update.AsSpan()).ToArray();
                    double encoded = Clock.Now();
                    var headers = new Metadata { { "x-round", round.ToString(CultureInfo.InvariantCulture) }, { "x-participant", id } };
                    await Retry(async () =>
                    {
                        using AsyncClientStreamingCall<BytesValue, Empty> call = client.Upload(headers);
                        for (int at = 0; at < payload.Length; at += ChunkBytes)
                        {
                            await call.RequestStream.WriteAsync(new BytesValue { Value = UnsafeByteOperations.UnsafeWrap(payload.AsMemory(at, Math.Min(ChunkBytes, payload.Length - at))) });
                        }

                        await call.RequestStream.CompleteAsync();
                        await call;
                    });

                    double uploaded = Clock.Now();
                    float[] model = new float[dimension];
                    byte[] target = new byte[dimension * sizeof(float)];
                    int received = 0;
                    await Retry(async () =>
                    {
                        received = 0;
                        using AsyncServerStreamingCall<BytesValue> download = client.Download(new UInt64Value { Value = (ulong)round });
                        await foreach (BytesValue chunk in download.ResponseStream.ReadAllAsync())
                        {
                            chunk.Value.Span.CopyTo(target.AsSpan(received));
                            received += chunk.Value.Length;
                        }
                    });

                    if (received != target.Length)
                    {
                        throw new InvalidDataException($"The plaintext model download had {received} of {target.Length} bytes.");
                    }

                    target.AsSpan().CopyTo(MemoryMarshal.AsBytes(model.AsSpan()));

                    double fetched = Clock.Now();
                    RoleIo.SendJson("round", new ParticipantRound((int)round, go, encoded, uploaded, uploaded, fetched, 0, payload.Length, (payload.Length + ChunkBytes - 1) / ChunkBytes, PeakMemory.ReadBytes(), ProcessCpu.Seconds()));
                    break;
                default:
                    RoleIo.Send("error", $"unknown command '{command}'");
                    break;
            }
        });
        return 0;
    }

    /// <summary>
    /// Retries a call that failed as UNAVAILABLE, INTERNAL, CANCELLED or DEADLINE_EXCEEDED (a connection broken, refused
    /// or too slow to open on the loaded machine; nothing here cancels calls on purpose), up to 5 attempts,
    /// like the secure client's resumed uploads (ParticipantClientOptions.MaxUploadAttempts = 5).
    /// </summary>
    private static async Task Retry(Func<Task> call)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Cancelled or StatusCode.DeadlineExceeded && attempt < 5)
            {
                await Task.Delay(50 * attempt);
            }
        }
    }

    /// <summary>The server's gRPC service over its <see cref="ServerState"/>.</summary>
    private sealed class Service(ServerState state, int dimension) : PlainApi.PlainFedAvgBase
    {
        public override async Task<Empty> Upload(IAsyncStreamReader<BytesValue> requests, ServerCallContext context)
        {
            long round = long.Parse(context.RequestHeaders.GetValue("x-round") ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "x-round header missing")), CultureInfo.InvariantCulture);
            string participant = context.RequestHeaders.GetValue("x-participant") ?? "?";

            // The upload is staged and added to the sum when complete (as the secure aggregator counts an upload on its
            // last chunk), so a broken stream that the participant retries is never counted twice.
            float[] staged = new float[dimension];
            int offset = 0;
            while (await requests.MoveNext())
            {
                state.MarkFirstByte();
                ReadOnlySpan<float> values = MemoryMarshal.Cast<byte, float>(requests.Current.Value.Span);
                if (offset + values.Length > dimension)
                {
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"upload runs past {dimension} values"));
                }

                values.CopyTo(staged.AsSpan(offset));
                offset += values.Length;
            }

            if (offset != dimension)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"upload has {offset} of {dimension} values"));
            }

            state.Add(round, participant, staged);
            return new Empty();
        }

        public override Task<Empty> Ping(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

        public override async Task Download(UInt64Value request, IServerStreamWriter<BytesValue> responses, ServerCallContext context)
        {
            float[] model = await state.ModelAsync((long)request.Value, context.CancellationToken);
            byte[] bytes = MemoryMarshal.AsBytes(model.AsSpan()).ToArray();
            for (int at = 0; at < bytes.Length; at += ChunkBytes)
            {
                await responses.WriteAsync(new BytesValue { Value = UnsafeByteOperations.UnsafeWrap(bytes.AsMemory(at, Math.Min(ChunkBytes, bytes.Length - at))) });
            }
        }
    }

    /// <summary>The server's rounds: running sums, counted uploads, published means.</summary>
    private sealed class ServerState(int parties, int dimension)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<long, (double[] Sum, int Count)> _open = [];
        private readonly Dictionary<long, TaskCompletionSource<float[]>> _published = [];
        private readonly HashSet<(long Round, string Participant)> _counted = [];
        private double _firstByte;

        public double FirstByte => Volatile.Read(ref _firstByte);

        public void ResetFirstByte() => Volatile.Write(ref _firstByte, 0);

        public void MarkFirstByte()
        {
            if (Volatile.Read(ref _firstByte) == 0)
            {
                Volatile.Write(ref _firstByte, Clock.Now());
            }
        }

        public void Add(long round, string participant, float[] values)
        {
            float[]? mean = null;
            lock (_gate)
            {
                if (!_counted.Add((round, participant)))
                {
                    return; // a retried upload that had in fact completed
                }

                if (!_open.TryGetValue(round, out var entry))
                {
                    entry = (new double[dimension], 0);
                    _open[round] = entry;
                }

                var (sum, count) = entry;
                for (int i = 0; i < values.Length; i++)
                {
                    sum[i] += values[i];
                }

                count++;
                _open[round] = (sum, count);
                RoleIo.SendJson("event", new ServerEvent("counted", round, participant, Clock.Now()));
                if (count == parties)
                {
                    mean = new float[dimension];
                    for (int i = 0; i < mean.Length; i++)
                    {
                        mean[i] = (float)(sum[i] / parties);
                    }

                    _open.Remove(round);
                }
            }

            if (mean is not null)
            {
                RoleIo.SendJson("event", new ServerEvent("published", round, "", Clock.Now()));
                Slot(round).TrySetResult(mean);
            }
        }

        public Task<float[]> ModelAsync(long round, CancellationToken token) => Slot(round).Task.WaitAsync(token);

        private TaskCompletionSource<float[]> Slot(long round)
        {
            lock (_gate)
            {
                if (!_published.TryGetValue(round, out var slot))
                {
                    slot = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _published[round] = slot;
                    _published.Remove(round - 2);
                }

                return slot;
            }
        }
    }
}

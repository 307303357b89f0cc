using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using SecAgg.Aggregator.Service;
using SecAgg.Cli.Consortium;
using SecAgg.Participant.Client;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Participant.Tests.Client;

/// <summary>
/// The real aggregator with its answers altered on the way to one participant (a client-side interceptor plays the
/// malicious aggregator): the participant checks the round's announcement against its own file and refuses, naming the
/// field, before it encrypts or sends anything.
/// </summary>
public sealed class TamperingAggregatorTests : IDisposable
{
    private const int Dimension = 300;
    private static readonly string[] Ids = ["hospital-1", "hospital-2"];
    private readonly string _root = Path.Combine(Path.GetTempPath(), "secagg-tamper-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("clip", "clip_l2_norm")]
    [InlineData("rotation", "rotation_seed")]
    [InlineData("chunks", "total_chunks")]
    [InlineData("minimum", "min_participants")]
    public async Task AChangedRoundAnnouncementIsRefusedNamingTheFieldBeforeAnythingIsSent(string change, string field)
    {
        ConsortiumLayout files = TestConsortium.Init(_root, Ids, Dimension);
        await using AggregatorHost host = await TestConsortium.StartAsync(files, Dimension);
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(90));
        ParticipantClient honest = TestConsortium.Client(files, _root, Ids[0], host.Address);
        ParticipantClient victim = new(new ParticipantClientOptions
        {
            Aggregator = host.Address,
            ClientCertificate = AggregatorHostOptions.LoadCertificate(files.Participants[Ids[1]].Certificate, files.Participants[Ids[1]].Key!),
            ConsortiumFile = files.ConsortiumFile,
            StateDirectory = Path.Combine(_root, "state", Ids[1]),
            ParticipantId = Ids[1],
            PollInterval = TimeSpan.FromMilliseconds(50),
            AllowInsecureForTests = true,
            TestInterceptor = new RoundConfigTamperer(c => Tamper(c, change)),
        });
        try
        {
            await Task.WhenAll(honest.JoinAsync(timeout.Token), victim.JoinAsync(timeout.Token));
            float[] update = new float[Dimension];
            ParameterMismatchException e = await Assert.ThrowsAsync<ParameterMismatchException>(() => victim.SubmitAsync(update, 1, 1, timeout.Token));
            Assert.Contains(field, e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(_root, "state", Ids[1], "upload-round-1.chunks")));
            Assert.False(File.Exists(Path.Combine(_root, "state", Ids[1], "upload-round-1.json")));
        }
        finally
        {
            honest.Dispose();
            victim.Dispose();
        }
    }

    private static void Tamper(RoundConfig config, string change)
    {
        switch (change)
        {
            case "clip":
                config.Quantization.ClipL2Norm *= 4;
                break;
            case "rotation":
                byte[] seed = config.Quantization.RotationSeed.ToByteArray();
                seed[0] ^= 1;
                config.Quantization.RotationSeed = ByteString.CopyFrom(seed);
                break;
            case "chunks":
                config.TotalChunks += 1;
                break;
            default:
                config.MinParticipants = 1;
                break;
        }
    }

    /// <summary>Alters every RoundConfig the aggregator returns.</summary>
    private sealed class RoundConfigTamperer(Action<RoundConfig> tamper) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            AsyncUnaryCall<TResponse> call = continuation(request, context);
            if (typeof(TResponse) != typeof(RoundConfig))
            {
                return call;
            }

            return new AsyncUnaryCall<TResponse>(Altered(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
        }

        private async Task<TResponse> Altered<TResponse>(Task<TResponse> response)
        {
            TResponse r = await response;
            tamper((RoundConfig)(object)r!);
            return r;
        }
    }
}

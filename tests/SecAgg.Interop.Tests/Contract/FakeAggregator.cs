using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using SecAgg.Proto.V1;

namespace SecAgg.Interop.Tests.Contract;

/// <summary>A minimal in-memory implementation of part of the Rounds service, to exercise the generated stubs.</summary>
internal sealed class FakeAggregator : Rounds.RoundsBase
{
    private readonly ConcurrentDictionary<string, SortedSet<uint>> _accepted = new();

    /// <summary>Starts the fake with the standard health service on cleartext HTTP/2; returns the app and its port.</summary>
    public static async Task<(WebApplication App, int Port)> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddLogging();
        builder.Services.AddGrpc();
        var health = new HealthServiceImpl();
        health.SetStatus(WireKeys.RoundsService, HealthCheckResponse.Types.ServingStatus.Serving);
        builder.Services.AddSingleton(health).AddSingleton<FakeAggregator>();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        WebApplication app = builder.Build();
        app.MapGrpcService<FakeAggregator>();
        app.MapGrpcService<HealthServiceImpl>();
        await app.StartAsync();
        return (app, new Uri(app.Urls.First()).Port);
    }

    public override async Task<UploadCiphertextsResponse> UploadCiphertexts(IAsyncStreamReader<CiphertextUploadMessage> requests, ServerCallContext context)
    {
        if (!await requests.MoveNext() || requests.Current.KindCase != CiphertextUploadMessage.KindOneofCase.Header)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "The upload stream must start with its header."));
        }

        UploadHeader header = requests.Current.Header;
        SortedSet<uint> set = _accepted.GetOrAdd(Key(header.Round, header.UploadId), _ => []);
        while (await requests.MoveNext())
        {
            CiphertextChunk chunk = requests.Current.Chunk;
            if (chunk.ChunkIndex >= header.TotalChunks)
            {
                throw new RpcException(new Status(StatusCode.OutOfRange, $"Chunk {chunk.ChunkIndex} is not below {header.TotalChunks}."));
            }

            lock (set)
            {
                set.Add(chunk.ChunkIndex);
            }
        }

        var response = new UploadCiphertextsResponse { UploadId = header.UploadId };
        lock (set)
        {
            response.Accepted.AddRange(Ranges(set));
            response.AcceptedCount = (uint)set.Count;
            response.Complete = set.Count == header.TotalChunks;
        }

        return response;
    }

    public override Task<UploadProgress> GetUploadProgress(GetUploadProgressRequest request, ServerCallContext context)
    {
        SortedSet<uint> set = _accepted.GetOrAdd(Key(request.Round, request.UploadId), _ => []);
        var progress = new UploadProgress { Round = request.Round, UploadId = request.UploadId };
        lock (set)
        {
            progress.Accepted.AddRange(Ranges(set));
            progress.AcceptedCount = (uint)set.Count;
        }

        return Task.FromResult(progress);
    }

    public override Task<RoundStatus> GetRoundStatus(GetRoundStatusRequest request, ServerCallContext context)
    {
        var trailers = new Metadata { { WireKeys.ErrorDetailTrailer, new ErrorDetail { Reason = ErrorReason.NotFound, Round = request.Round, Message = "no such round" }.ToByteArray() } };
        throw new RpcException(new Status(StatusCode.NotFound, $"Round {request.Round} does not exist."), trailers);
    }

    public static async IAsyncEnumerable<CiphertextUploadMessage> Upload(ulong round, uint[] chunks)
    {
        yield return new CiphertextUploadMessage
        {
            Header = new UploadHeader { Round = round, TotalChunks = 3, UploadId = ByteString.CopyFrom(new byte[16]), ParameterDigest = ByteString.CopyFrom(new byte[32]), Weight = 1, ParticipantId = "hospital-a" },
        };
        foreach (uint i in chunks)
        {
            await Task.Yield();
            yield return new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = round, ChunkIndex = i, Ciphertext = ByteString.CopyFromUtf8("ct" + i) } };
        }
    }

    private static string Key(ulong round, ByteString uploadId) => round + ":" + Convert.ToHexString(uploadId.Span);

    private static IEnumerable<ChunkRange> Ranges(SortedSet<uint> set)
    {
        ChunkRange? current = null;
        foreach (uint i in set)
        {
            if (current is not null && current.First + current.Count == i)
            {
                current.Count++;
                continue;
            }

            if (current is not null)
            {
                yield return current;
            }

            current = new ChunkRange { First = i, Count = 1 };
        }

        if (current is not null)
        {
            yield return current;
        }
    }
}

using System.Collections.Concurrent;
using Google.Protobuf;
using SecAgg.Proto.V1;

namespace SecAgg.Transport.Tests.Contract;

/// <summary>A minimal in-memory implementation of part of the contract, to exercise the typed stubs.</summary>
internal static class FakeAggregator
{
    public static GrpcServiceRegistry CreateRegistry()
    {
        var accepted = new ConcurrentDictionary<string, SortedSet<uint>>();
        var registry = new GrpcServiceRegistry();
        registry.AddUnary(HealthMethods.Check, (_, _) => Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving }));
        registry.AddClientStreaming(RoundsMethods.UploadCiphertexts, async (requests, context) =>
        {
            if (!await requests.MoveNext() || requests.Current.KindCase != CiphertextUploadMessage.KindOneofCase.Header)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "The upload stream must start with its header."));
            }

            UploadHeader header = requests.Current.Header;
            SortedSet<uint> set = accepted.GetOrAdd(Key(header.Round, header.UploadId), _ => []);
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
        });
        registry.AddUnary(RoundsMethods.GetUploadProgress, (request, _) =>
        {
            SortedSet<uint> set = accepted.GetOrAdd(Key(request.Round, request.UploadId), _ => []);
            var progress = new UploadProgress { Round = request.Round, UploadId = request.UploadId };
            lock (set)
            {
                progress.Accepted.AddRange(Ranges(set));
                progress.AcceptedCount = (uint)set.Count;
            }

            return Task.FromResult(progress);
        });
        registry.AddUnary(RoundsMethods.GetRoundStatus, (request, _) =>
        {
            var trailers = new Metadata().Add(WireKeys.ErrorDetailTrailer, new ErrorDetail { Reason = ErrorReason.NotFound, Round = request.Round, Message = "no such round" }.ToByteArray());
            throw new RpcException(new Status(StatusCode.NotFound, $"Round {request.Round} does not exist."), trailers);
        });
        return registry;
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

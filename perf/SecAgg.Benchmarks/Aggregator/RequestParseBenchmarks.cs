using System.Buffers;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Aggregator.Service.Api;
using SecAgg.Crypto.Multiparty;
using SecAgg.Proto.V1;
using SecAgg.Protocol;

namespace SecAgg.Benchmarks.Aggregator;

/// <summary>
/// The aggregator's parse of the two megabyte request messages of a d = 10^6 round at N = 10 (the planner's n = 32768:
/// one upload chunk, one decryption share), as the request marshaller hands them over (a body of 16 KB segments, as
/// Kestrel's pipe holds it): before (Baseline: the generated protobuf parser, a new array per payload) vs after
/// (<see cref="PooledPayloads"/>: a pooled array, given back as the handler does once the payload is staged or stored),
/// in one run. Two jobs (<see cref="SecAgg.Benchmarks.Crypto.ProcessCpuTimeConfig"/>): wall-clock and process CPU time.
/// Run: dotnet run -c Release --project perf/SecAgg.Benchmarks -- --filter '*RequestParseBenchmarks*' --memory
/// </summary>
[Config(typeof(SecAgg.Benchmarks.Crypto.ProcessCpuTimeConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RequestParseBenchmarks
{
    private static readonly Func<DeserializationContext, CiphertextUploadMessage> GeneratedUpload = c => CiphertextUploadMessage.Parser.ParseFrom(c.PayloadAsReadOnlySequence());
    private static readonly Func<DeserializationContext, DecryptionShare> GeneratedShare = c => DecryptionShare.Parser.ParseFrom(c.PayloadAsReadOnlySequence());
    private readonly Func<DeserializationContext, CiphertextUploadMessage> _pooledUpload = PooledPayloads.Parse(GeneratedUpload);
    private readonly Func<DeserializationContext, DecryptionShare> _pooledShare = PooledPayloads.Parse(GeneratedShare);
    private Body _chunk = null!;
    private Body _share = null!;

    [GlobalSetup]
    public void Setup()
    {
        var scheme = new CiphertextScheme(AggregationPlanner.Plan(new AggregationPlanRequest { Parties = 10, ValueBits = 16, MaxRingDegree = 32768 }).Parameters);
        _chunk = new Body(new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 3, ChunkIndex = 0, Ciphertext = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(scheme.UploadBytes)) } }.ToByteArray());
        _share = new Body(new DecryptionShare { Round = 3, ChunkIndex = 0, Share = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(scheme.ShareBytes)), ParticipantId = "hospital-7" }.ToByteArray());
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Chunk")]
    public int ChunkGeneratedParse() => GeneratedUpload(_chunk).Chunk.Ciphertext.Span[^1];

    [Benchmark]
    [BenchmarkCategory("Chunk")]
    public int ChunkPooledParse()
    {
        CiphertextUploadMessage m = _pooledUpload(_chunk);
        int last = m.Chunk.Ciphertext.Span[^1];
        PooledPayloads.Release(m);
        return last;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Share")]
    public int ShareGeneratedParse() => GeneratedShare(_share).Share.Span[^1];

    [Benchmark]
    [BenchmarkCategory("Share")]
    public int SharePooledParse()
    {
        DecryptionShare m = _pooledShare(_share);
        int last = m.Share.Span[^1];
        PooledPayloads.Release(m);
        return last;
    }

    /// <summary>A request body in 16 KB segments.</summary>
    private sealed class Body(byte[] bytes) : DeserializationContext
    {
        private readonly ReadOnlySequence<byte> _sequence = Split(bytes, 16 * 1024);

        public override int PayloadLength => bytes.Length;

        public override byte[] PayloadAsNewBuffer() => bytes.ToArray();

        public override ReadOnlySequence<byte> PayloadAsReadOnlySequence() => _sequence;

        private static ReadOnlySequence<byte> Split(byte[] bytes, int size)
        {
            Segment first = new(bytes.AsMemory(0, Math.Min(size, bytes.Length)), null), last = first;
            for (int i = size; i < bytes.Length; i += size)
            {
                last = new Segment(bytes.AsMemory(i, Math.Min(size, bytes.Length - i)), last);
            }

            return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
        }

        private sealed class Segment : ReadOnlySequenceSegment<byte>
        {
            public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
            {
                Memory = memory;
                if (previous is not null)
                {
                    RunningIndex = previous.RunningIndex + previous.Memory.Length;
                    previous.Next = this;
                }
            }
        }
    }
}

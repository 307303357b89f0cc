using System.Diagnostics;
using System.Globalization;
using SecAgg.Aggregator.Accumulation;
using SecAgg.Aggregator.Rounds;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Aggregator.Service;
using SecAgg.Aggregator.Service.Api;
using SecAgg.Aggregator.Storage;
using SecAgg.Benchmarks.Protocol;
using SecAgg.Protocol;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Consortium;

namespace SecAgg.Benchmarks.Aggregator;

/// <summary>
/// <c>aggregator-peak N [d]</c>: the aggregator's peak resident memory while N uploads of a d-value update (default
/// 10^7) arrive at once (issue 17's goal: at most 1 GB and independent of N). The real ingest path of the service
/// (<see cref="UploadAccumulator"/> over a <see cref="SqliteAggregatorStore"/> with its payload files and the planned
/// preset's <c>SchemeChunkAdder</c>): N concurrent senders each hand over their chunks in order, each chunk a
/// serialized CiphertextUploadMessage parsed as the service's request marshaller does (<c>PooledPayloads</c>; with
/// <c>--generated-parse</c> by the generated protobuf parser, the service before p17a2); the last chunk counts the
/// upload (group commit folds it into the running sum);
/// then collection closes (the running sum sealed into the durable sum) and every chunk of the sum is read back as the
/// publish does. Every sender sends site 1's ciphertext (the aggregator does not look at whose it is on this path).
/// Not included: Kestrel's and gRPC's per-stream receive buffers (about two messages per stream in flight), the
/// decryption shares (files since p17a2) and the combine/decode/publish (one chunk at a time plus the d-value model).
/// Before ingest the kernel's peak counter is reset (/proc/self/clear_refs = 5), so the line gives the ingest's
/// peak RSS (VmHWM), the encrypted upload held by the sender included. Run each N in its own process. Linux only.
/// With <c>--shared-payload</c> nothing is parsed and every sender hands over the same arrays: what is left is the
/// accumulator's own memory (running sum, staging and fold buffers).
/// Run: dotnet perf/SecAgg.Benchmarks/bin/Release/net10.0/SecAgg.Benchmarks.dll aggregator-peak 10 1e7 [--generated-parse | --shared-payload]
/// </summary>
internal static class AggregatorPeakCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        int d = args.Length > 1 && !args[1].StartsWith('-') ? (int)double.Parse(args[1], CultureInfo.InvariantCulture) : 10_000_000;
        string mode = args.Contains("--shared-payload") ? "shared" : args.Contains("--generated-parse") ? "generated" : "pooled";
        using BenchmarkRound round = BenchmarkRound.ForUploads(n, d);
        float[] update = [.. Enumerable.Range(0, d).Select(i => (float)Math.Sin(i) * 1e-4f)];
        byte[][] chunks = [.. round.CreateEncryptor().Encrypt(update, 1, Guid.NewGuid()).Chunks];
        update = [];
        byte[][] wire = [.. chunks.Select((c, i) => new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = 1, ChunkIndex = (uint)i, Ciphertext = ByteString.CopyFrom(c) } }.ToByteArray())];
        Func<DeserializationContext, CiphertextUploadMessage> generated = c => CiphertextUploadMessage.Parser.ParseFrom(c.PayloadAsReadOnlySequence());
        Func<DeserializationContext, CiphertextUploadMessage> parse = mode == "pooled" ? PooledPayloads.Parse(generated) : generated;
        string dir = Directory.CreateTempSubdirectory("secagg-agg-peak-").FullName;
        try
        {
            await using SqliteAggregatorStore store = await SqliteAggregatorStore.OpenAsync(Path.Combine(dir, "aggregator.db"));
            string[] ids = [.. Enumerable.Range(1, n).Select(i => "site-" + i.ToString(CultureInfo.InvariantCulture))];
            var lifecycle = new RoundLifecycle(new RoundPolicy(ids, minParticipants: n, threshold: n, TimeSpan.FromHours(1), TimeSpan.FromHours(1)));
            var coordinator = new RoundCoordinator(store, lifecycle, new NoPrivacyCost(), new PrivacyBudget(1e9, 1e-6), TimeProvider.System);
            var accumulator = new UploadAccumulator(store, new SchemeChunkAdder(round.Preset.Scheme), lifecycle, TimeProvider.System);
            RoundState open = await coordinator.OpenNextRoundAsync(round.Round.ParameterDigest, chunks.Length);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"N = {n}, d = {d}, chunks = {chunks.Length} x {chunks[0].Length / 1e6:F2} MB (one upload {chunks.Sum(c => (long)c.Length) / 1e6:F1} MB), server GC = {System.Runtime.GCSettings.IsServerGC}, {Modes[mode]}, before ingest: RSS {Kb("VmRSS") / 1e3:F1} MB"));
            File.WriteAllText("/proc/self/clear_refs", "5");
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(ids.Select(id => Task.Run(async () =>
            {
                for (int i = 0; i < chunks.Length; i++)
                {
                    if (mode == "shared")
                    {
                        await accumulator.ReceiveChunkAsync(new ChunkUpload(open.Number, id, i, chunks.Length, round.Round.ParameterDigest, chunks[i]));
                        continue;
                    }

                    CiphertextUploadMessage message = parse(new WireBody(wire[i]));
                    await accumulator.ReceiveChunkAsync(new ChunkUpload(open.Number, id, i, chunks.Length, round.Round.ParameterDigest, message.Chunk.Ciphertext.Memory));
                    PooledPayloads.Release(message); // as UploadIntake does once the chunk is staged (a no-op for a generated parse)
                }
            })));
            double ingestPeak = Kb("VmHWM") / 1e3;
            RoundState closed = await coordinator.BeginApprovalAsync(open.Number, new byte[32]);
            int sealedSummands = await accumulator.SealAsync(open.Number);
            long sumBytes = 0;
            for (int i = 0; i < chunks.Length; i++)
            {
                sumBytes += (await store.ReadSumChunkAsync(open.Number, i))!.Value.Sum.Length;
            }

            clock.Stop();
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"N = {n}: counted {closed.Summands}, sealed {sealedSummands}; peak RSS during ingest {ingestPeak:F1} MB, through seal + sum read {Kb("VmHWM") / 1e3:F1} MB; allocated {allocated / 1e6:F1} MB; {clock.Elapsed.TotalSeconds:F1} s; sum {sumBytes / 1e6:F1} MB"));
            return closed.Summands == n ? 0 : 1;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static readonly Dictionary<string, string> Modes = new()
    {
        ["pooled"] = "each chunk message parsed as the service does (PooledPayloads: a pooled array, given back once staged)",
        ["generated"] = "each chunk message parsed by the generated protobuf parser (a new array per message; --generated-parse)",
        ["shared"] = "no parse: one shared array per chunk index (--shared-payload)",
    };

    private static long Kb(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>A request body in one segment, as grpc-dotnet hands a message to the marshaller.</summary>
    private sealed class WireBody(byte[] bytes) : DeserializationContext
    {
        public override int PayloadLength => bytes.Length;

        public override byte[] PayloadAsNewBuffer() => bytes.ToArray();

        public override System.Buffers.ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(bytes);
    }
}

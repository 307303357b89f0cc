using System.Diagnostics;
using System.Globalization;
using SecAgg.Benchmarks.Protocol;
using SecAgg.Protocol;

namespace SecAgg.Benchmarks.Participant;

/// <summary>
/// <c>participant-peak [d] [rounds] [--allocations]</c>: a participant's peak resident memory while it uploads (issue 17's goal: at most 4× the
/// float32 update): site 1 of a 10-party consortium on the planned preset encrypts a d-value update (weight below
/// max-weight, so the weight scaling runs) straight into its state file as the client does
/// (<see cref="UpdateEncryptor.EncryptTo"/>), for three rounds (or <c>rounds</c>) in one
/// process. Before each round the kernel's peak counter is reset (/proc/self/clear_refs = 5), so each line gives that
/// round's peak RSS (VmHWM) over the process; the update array itself (4·d bytes) is part of it, and so is what the
/// collector has not yet taken (the GC heap and its committed bytes at the last collection are printed beside it).
/// <c>--allocations</c> adds each round's sampled allocations by type (<see cref="AllocationSampler"/>). Linux only.
/// Run: dotnet perf/SecAgg.Benchmarks/bin/Release/net10.0/SecAgg.Benchmarks.dll participant-peak 1e7
/// </summary>
internal static class ParticipantPeakCommand
{
    public static int Run(string[] args)
    {
        bool sampleAllocations = args.Contains("--allocations");
        args = [.. args.Where(a => a != "--allocations")];
        using AllocationSampler? sampler = sampleAllocations ? new AllocationSampler() : null;
        int d = args.Length > 0 ? (int)double.Parse(args[0], CultureInfo.InvariantCulture) : 10_000_000;
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        using BenchmarkRound round = BenchmarkRound.ForUploads(10, d);
        // Filled in place: a LINQ-built array leaves its doubling buffers behind as garbage in the baseline.
        float[] update = new float[d];
        for (int i = 0; i < d; i++)
        {
            update[i] = (float)Math.Sin(i) * 1e-4f;
        }

        string file = Path.Combine(Path.GetTempPath(), $"secagg-peak-{Environment.ProcessId}.chunks");
        Console.WriteLine($"d = {d}, float32 update = {4.0 * d / 1e6:F1} MB, chunks = {round.Round.TotalChunks}, server GC = {System.Runtime.GCSettings.IsServerGC}");
        Console.WriteLine($"before round 1: RSS {Kb("VmRSS") / 1e3:F1} MB, peak {Kb("VmHWM") / 1e3:F1} MB");
        for (int r = 1; r <= rounds; r++)
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            UpdateEncryptor encryptor = round.CreateEncryptor();
            using (var stream = new FileStream(file, FileMode.Create, FileAccess.Write))
            {
                encryptor.EncryptTo(update, 1, Guid.NewGuid(), stream);
            }

            clock.Stop();
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            double peak = Kb("VmHWM") / 1e3;
            GCMemoryInfo gc = GC.GetGCMemoryInfo();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {r}: peak RSS {peak:F1} MB = {peak / (4.0 * d / 1e6):F2}x the update, allocated {allocated / 1e6:F1} MB, {clock.Elapsed.TotalSeconds:F2} s, stored upload {new FileInfo(file).Length / 1e6:F1} MB; GC heap {gc.HeapSizeBytes / 1e6:F1} MB (committed {gc.TotalCommittedBytes / 1e6:F1}), {Process.GetCurrentProcess().Threads.Count} threads"));
            File.Delete(file);
            if (sampler is not null)
            {
                foreach ((string type, long bytes) in sampler.TakeTop(6))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    sampled allocations: {bytes / 1e6,7:F1} MB  {type}"));
                }
            }
        }

        return 0;
    }

    private static long Kb(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}

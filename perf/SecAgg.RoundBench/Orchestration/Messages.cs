using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SecAgg.RoundBench.Orchestration;

/// <summary>
/// Times on one clock shared by every process of the machine: <see cref="Stopwatch.GetTimestamp"/> is CLOCK_MONOTONIC
/// on Linux, so a timestamp taken in a participant process can be compared with one taken in the aggregator.
/// </summary>
internal static class Clock
{
    /// <summary>Now, in seconds on the shared monotonic clock.</summary>
    public static double Now() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
}

/// <summary>Peak resident memory of this process from /proc/self/status, resettable through /proc/self/clear_refs.</summary>
internal static class PeakMemory
{
    /// <summary>VmHWM of this process in bytes (0 where /proc is missing).</summary>
    public static long ReadBytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return 0;
        }

        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                string[] parts = line[6..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>Collects garbage, then resets VmHWM to the current resident size ("5" to clear_refs; Linux ≥ 4.0). Returns false when not possible.</summary>
    public static bool Reset()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>CPU time of this process (user + system, every thread) since the last <see cref="Reset"/>.</summary>
internal static class ProcessCpu
{
    private static double _mark;

    /// <summary>Starts counting from now.</summary>
    public static void Reset() => Volatile.Write(ref _mark, Total());

    /// <summary>CPU seconds since <see cref="Reset"/>.</summary>
    public static double Seconds() => Total() - Volatile.Read(ref _mark);

    private static double Total()
    {
        using Process self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}

/// <summary>
/// What a participant role reports after each round ("@round {json}"). Times on <see cref="Clock"/>; CpuSeconds is the
/// process's CPU time from "reset" to the model downloaded; QuantizeSeconds is filled in by the orchestrator from the
/// "quantize R" command it sends once the round is over (the quantization measured apart, not in CpuSeconds);
/// ShareBytes the serialized decryption shares it sent (0 outside the decryption set and on the plaintext path).
/// </summary>
internal sealed record ParticipantRound(
    int Round,
    double Go,
    double Encrypted,
    double Uploaded,
    double SharesSent,
    double Fetched,
    double QuantizeSeconds,
    long Bytes,
    int Chunks,
    long PeakBytes,
    double CpuSeconds,
    long ShareBytes = 0);

/// <summary>One server-side event ("@event {json}"): kind (counted, closed, shares, published), round, participant, time.</summary>
internal sealed record ServerEvent(string Kind, long Round, string Participant, double Time);

/// <summary>The server's per-round figures ("@stats {json}"): peak memory, first byte, CPU seconds since "reset".</summary>
internal sealed record ServerStats(long PeakBytes, double FirstByte, double CpuSeconds);

/// <summary>Writes protocol lines ("@kind payload") to stdout atomically and reads commands from stdin.</summary>
internal static class RoleIo
{
    private static readonly Lock Gate = new();

    /// <summary>JSON options for protocol payloads.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>Writes "@kind payload".</summary>
    public static void Send(string kind, string payload = "")
    {
        lock (Gate)
        {
            Console.Out.WriteLine(payload.Length == 0 ? $"@{kind}" : $"@{kind} {payload}");
            Console.Out.Flush();
        }
    }

    /// <summary>Writes "@kind {json}".</summary>
    public static void SendJson<T>(string kind, T value) => Send(kind, JsonSerializer.Serialize(value, Json));

    /// <summary>Parses a JSON payload.</summary>
    public static T Parse<T>(string payload) => JsonSerializer.Deserialize<T>(payload, Json) ?? throw new InvalidDataException($"Empty {typeof(T).Name} message.");

    /// <summary>Reads commands from stdin until "quit" or end of input; each command is handled before the next is read.</summary>
    public static async Task RunCommandsAsync(Func<string, string[], Task> handle)
    {
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            if (words[0] == "quit")
            {
                return;
            }

            await handle(words[0], words[1..]).ConfigureAwait(false);
        }
    }
}

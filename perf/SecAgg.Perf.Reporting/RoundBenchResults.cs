using System.Text.Json;
using System.Text.Json.Serialization;

namespace SecAgg.Perf.Reporting;

/// <summary>The stages of one round, as keys of <see cref="RoundRecord.Stages"/> (seconds).</summary>
/// <remarks>
/// The critical-path stages (<see cref="CriticalPath"/>) are consecutive intervals on one clock (CLOCK_MONOTONIC, shared by
/// every process on the machine), so they add up to <see cref="Round"/>:
/// quantize + encrypt = go → last participant has its ciphertexts stored; upload = → last upload counted by the
/// aggregator; aggregate = → collection closed (decryption set fixed); decryption shares = → last member's shares in;
/// combine/publish = → model published; download = → last participant has the model.
/// </remarks>
public static class Stage
{
    /// <summary>Clip, rotate (Walsh–Hadamard), scale, randomized rounding, discrete Gaussian noise, wrap mod 2^b (measured apart, same inputs).</summary>
    public const string Quantize = "quantize";

    /// <summary>Masked encryption of every chunk under the site's own key (c0 = −a·s_i + e_i + Δ·M) with its signed commitment, and the durable store of the ciphertexts (plaintext: float32 → bytes).</summary>
    public const string Encrypt = "encrypt";

    /// <summary>Last participant ready to send → last upload counted by the aggregator.</summary>
    public const string Upload = "upload";

    /// <summary>Last upload counted → collection closed (secure: the sum is final and the decryption set fixed; plaintext: mean computed).</summary>
    public const string Aggregate = "aggregate";

    /// <summary>Collection closed → every uploader's signed approval of the upload list in, decryption begins (secure only, protocol v2).</summary>
    public const string Approve = "approve";

    /// <summary>Decryption begins → every member's decryption shares received (secure only).</summary>
    public const string DecryptionShares = "decryption_shares";

    /// <summary>Last share in → model published (combine shares, decode the mean, store the model; secure only).</summary>
    public const string CombinePublish = "combine_publish";

    /// <summary>Model published → last participant has downloaded it.</summary>
    public const string Download = "download";

    /// <summary>The whole round: go → last participant has the new model.</summary>
    public const string Round = "round";

    /// <summary>Per participant (median over participants, not on the critical path): own encryption end → own upload acknowledged.</summary>
    public const string ParticipantUpload = "participant_upload";

    /// <summary>Per participant (median): go → own ciphertexts stored (quantize + encrypt + store, under contention of all N).</summary>
    public const string ParticipantEncrypt = "participant_quantize_encrypt";

    /// <summary>
    /// Not in the round (secure only): from the previous round's publication (or the key epoch) until the aggregator has
    /// opened this round (privacy-budget check, round parameters). In training it overlaps the participants' local work.
    /// </summary>
    public const string RoundOpen = "round_open";

    /// <summary>Part of <see cref="CombinePublish"/> (secure only): last share in → the shares read and combined and the
    /// mean decoded (the aggregator's "decrypted" log line), before the model is stored and published.</summary>
    public const string Decrypt = "decrypt";

    /// <summary>The consecutive stages that add up to <see cref="Round"/>, in order.</summary>
    public static IReadOnlyList<string> CriticalPath { get; } = [Quantize, Encrypt, Upload, Aggregate, Approve, DecryptionShares, CombinePublish, Download];

    /// <summary>Every stage key a report shows, in order.</summary>
    public static IReadOnlyList<string> All { get; } = [.. CriticalPath, Round, ParticipantEncrypt, ParticipantUpload, RoundOpen, Decrypt];

    /// <summary>A human label for a stage key.</summary>
    public static string Label(string stage) => stage switch
    {
        Quantize => "quantize (DDG encode)",
        Encrypt => "encrypt + store",
        Upload => "upload",
        Aggregate => "aggregate (close collection)",
        Approve => "approvals (signed list)",
        DecryptionShares => "decryption shares",
        CombinePublish => "combine + decode + publish",
        Download => "download model",
        Round => "whole round",
        ParticipantEncrypt => "per participant: quantize+encrypt",
        ParticipantUpload => "per participant: upload",
        RoundOpen => "round opening (not in round)",
        Decrypt => "of combine + publish: decrypt and decode",
        _ => stage,
    };
}

/// <summary>One measured round of one path (secure or plaintext) of one configuration.</summary>
public sealed record RoundRecord
{
    /// <summary>1-based round number; round 1 is the cold one (JIT, first allocations) and is left out of the summaries.</summary>
    public required int Round { get; init; }

    /// <summary>Seconds per stage (keys from <see cref="Stage"/>).</summary>
    public required Dictionary<string, double> Stages { get; init; }

    /// <summary>Payload bytes each participant sent (secure: serialized ciphertexts; plaintext: float32 values).</summary>
    public required long BytesPerParticipant { get; init; }

    /// <summary>Peak resident memory (VmHWM, reset at the round's start) of the aggregator process, bytes.</summary>
    public required long AggregatorPeakBytes { get; init; }

    /// <summary>Largest peak resident memory (VmHWM, reset at the round's start) among the participant processes, bytes.</summary>
    public required long ParticipantPeakBytes { get; init; }

    /// <summary>Serialized decryption-share bytes all members of the decryption set sent together (secure only; 0 in sweeps before protocol v2).</summary>
    public long DecryptionShareBytes { get; init; }

    /// <summary>CPU seconds (user + system) of the aggregator (or plaintext server) process from the round's reset to its end.</summary>
    public double AggregatorCpuSeconds { get; init; }

    /// <summary>CPU seconds (user + system) of all participant processes together, from the round's reset to the model downloaded.</summary>
    public double ParticipantCpuSeconds { get; init; }
}

/// <summary>One (N, d, DP) configuration: its set-up figures and every round of both paths.</summary>
public sealed record ConfigResult
{
    /// <summary>Participants N (each its own OS process).</summary>
    public required int Participants { get; init; }

    /// <summary>Parameters d (float32 values per update).</summary>
    public required int Dimension { get; init; }

    /// <summary>Whether DP noise is calibrated to a target ε ("on") or the smallest noise the mechanism accepts ("off").</summary>
    public required bool Dp { get; init; }

    /// <summary>The noise multiplier z the aggregator used.</summary>
    public double NoiseMultiplier { get; init; }

    /// <summary>Bits b per quantized value (BFV plaintext modulus 2^b).</summary>
    public required int Bits { get; init; }

    /// <summary>Ciphertexts per upload.</summary>
    public int Chunks { get; init; }

    /// <summary>Key-epoch join, slowest participant, seconds (one-time; not in the round figures).</summary>
    public double JoinSeconds { get; init; }

    /// <summary>Process start to every participant joined, seconds (includes process start and JIT).</summary>
    public double SetupSeconds { get; init; }

    /// <summary>The secure rounds.</summary>
    public List<RoundRecord> Secure { get; init; } = [];

    /// <summary>The plaintext FedAvg rounds (same floats, same transport).</summary>
    public List<RoundRecord> Plaintext { get; init; } = [];

    /// <summary>Why the configuration did not complete (null when it did).</summary>
    public string? Error { get; init; }

    /// <summary>The quantized payload d·b/8 bytes (the "within 3×" yardstick).</summary>
    [JsonIgnore]
    public long QuantizedBytes => (long)Dimension * Bits / 8;

    /// <summary>The float32 payload d·4 bytes.</summary>
    [JsonIgnore]
    public long Float32Bytes => (long)Dimension * 4;

    /// <summary>A short key such as "N=10 d=1e6 DP on".</summary>
    [JsonIgnore]
    public string Key => $"N={Participants} d={Exp(Dimension)} DP {(Dp ? "on" : "off")}";

    /// <summary>Writes 10^k as "1e{k}" and anything else in full.</summary>
    public static string Exp(long value)
    {
        double log = Math.Log10(value);
        return Math.Abs(log - Math.Round(log)) < 1e-9 ? $"1e{Math.Round(log):0}" : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>The machine the sweep ran on.</summary>
public sealed record MachineInfo
{
    /// <summary>CPU model name (/proc/cpuinfo).</summary>
    public string Cpu { get; init; } = "";

    /// <summary>Logical processors .NET sees.</summary>
    public int Cores { get; init; }

    /// <summary>Total memory (/proc/meminfo MemTotal), GiB.</summary>
    public double MemoryGiB { get; init; }

    /// <summary>Operating system.</summary>
    public string Os { get; init; } = "";

    /// <summary>.NET runtime.</summary>
    public string Runtime { get; init; } = "";

    /// <summary>The SDK (`dotnet --version`), when known.</summary>
    public string Sdk { get; init; } = "";

    /// <summary>/proc/loadavg when the sweep started.</summary>
    public string LoadAverageStart { get; init; } = "";

    /// <summary>/proc/loadavg when the sweep ended.</summary>
    public string LoadAverageEnd { get; init; } = "";
}

/// <summary>One BenchmarkDotNet result the report cites.</summary>
/// <param name="Benchmark">Type and method, e.g. "BfvBenchmarks.EncryptPublicKey".</param>
/// <param name="Parameters">The parameter values, e.g. "N=4096, Simd=Vector512".</param>
/// <param name="MeanNanoseconds">Mean time per operation.</param>
/// <param name="MedianNanoseconds">Median time per operation (NaN when not reported).</param>
public sealed record MicroResult(string Benchmark, string Parameters, double MeanNanoseconds, double MedianNanoseconds);

/// <summary>A whole sweep: the machine, the command, every configuration, and the cited microbenchmarks.</summary>
public sealed record SweepResult
{
    /// <summary>The command that produced it.</summary>
    public string Command { get; init; } = "";

    /// <summary>UTC start.</summary>
    public DateTime StartedUtc { get; init; }

    /// <summary>Wall time of the sweep, seconds.</summary>
    public double TotalSeconds { get; init; }

    /// <summary>Rounds per configuration requested (round 1 is cold and left out of summaries).</summary>
    public int RoundsRequested { get; init; }

    /// <summary>The machine.</summary>
    public MachineInfo Machine { get; init; } = new();

    /// <summary>The configurations.</summary>
    public List<ConfigResult> Configs { get; init; } = [];

    /// <summary>BenchmarkDotNet results (filled by the report step from BenchmarkDotNet's CSV output; may be empty).</summary>
    public List<MicroResult> Micro { get; init; } = [];

    /// <summary>JSON options used for reading and writing.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Serializes to indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses a sweep written by <see cref="ToJson"/>.</summary>
    /// <exception cref="InvalidDataException">The text is not a sweep result.</exception>
    public static SweepResult FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<SweepResult>(json, JsonOptions) ?? throw new InvalidDataException("The sweep JSON is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Not a round-benchmark result: {e.Message}", e);
        }
    }
}

/// <summary>Median and spread (min–max) of one figure over the warm rounds (round ≥ 2, or round 1 when it is the only one).</summary>
/// <param name="Median">The median.</param>
/// <param name="Min">The smallest.</param>
/// <param name="Max">The largest.</param>
/// <param name="Count">How many rounds it summarizes.</param>
public readonly record struct Spread(double Median, double Min, double Max, int Count)
{
    /// <summary>Summarizes values (empty → NaN).</summary>
    public static Spread Of(IEnumerable<double> values)
    {
        double[] v = [.. values.Where(double.IsFinite).Order()];
        if (v.Length == 0)
        {
            return new Spread(double.NaN, double.NaN, double.NaN, 0);
        }

        double median = v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
        return new Spread(median, v[0], v[^1], v.Length);
    }

    /// <summary>The rounds a summary uses: every round after the first, or the first when it is the only one.</summary>
    public static IReadOnlyList<RoundRecord> Warm(IReadOnlyList<RoundRecord> rounds) =>
        rounds.Count > 1 ? [.. rounds.Where(r => r.Round > 1)] : rounds;

    /// <summary>Median and spread of one stage over the warm rounds.</summary>
    public static Spread OfStage(IReadOnlyList<RoundRecord> rounds, string stage) =>
        Of(Warm(rounds).Select(r => r.Stages.TryGetValue(stage, out double s) ? s : double.NaN));

    /// <summary>Median and spread over the warm rounds of the CPU seconds of every process of a path (server + participants).</summary>
    public static Spread OfCpu(IReadOnlyList<RoundRecord> rounds) =>
        Of(Warm(rounds).Select(r => r.AggregatorCpuSeconds + r.ParticipantCpuSeconds));
}

using SecAgg.Aggregator.Accumulation;

namespace SecAgg.Aggregator.Cluster.Grains;

/// <summary>
/// The answer to a chunk or an upload: accepted (staged, or counted), or refused with the reason and a message a person
/// can act on. A refusal changed nothing.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UploadOutcome
{
    /// <summary>Whether the chunk was staged (or the upload counted).</summary>
    [Id(0)]
    public bool Accepted { get; init; }

    /// <summary>Whether it had been accepted before (a resend; nothing changed).</summary>
    [Id(1)]
    public bool Repeated { get; init; }

    /// <summary>Why it was refused; null when accepted.</summary>
    [Id(2)]
    public UploadRefusal? Refusal { get; init; }

    /// <summary>What was refused and what to do; null when accepted.</summary>
    [Id(3)]
    public string? Message { get; init; }

    /// <summary>Accepted (<paramref name="repeated"/>: it was already).</summary>
    public static UploadOutcome Accept(bool repeated = false) => new() { Accepted = true, Repeated = repeated };

    /// <summary>Refused.</summary>
    public static UploadOutcome Refuse(UploadRefusal refusal, string message) => new() { Refusal = refusal, Message = message };
}

namespace SecAgg.Protocol.Approval;

/// <summary>
/// The outcome of a participant-side round check: either the accepted <see cref="Value"/>, or a refusal with its
/// <see cref="Refusal"/> code and a <see cref="Reason"/> a person can act on. A refused decision carries no value:
/// nothing was signed, recorded or computed.
/// </summary>
/// <typeparam name="T">What an acceptance produces.</typeparam>
public sealed class RoundDecision<T>
    where T : class
{
    private RoundDecision(T? value, RoundRefusal? refusal, string reason)
    {
        Value = value;
        Refusal = refusal;
        Reason = reason;
    }

    /// <summary>Whether the check passed (then <see cref="Value"/> is set).</summary>
    public bool IsAccepted => Value is not null;

    /// <summary>What the acceptance produced, or null when refused.</summary>
    public T? Value { get; }

    /// <summary>Why it was refused, or null when accepted.</summary>
    public RoundRefusal? Refusal { get; }

    /// <summary>"accepted", or the refusal's explanation.</summary>
    public string Reason { get; }

    /// <inheritdoc/>
    public override string ToString() => IsAccepted ? "accepted" : $"refused ({Refusal}): {Reason}";

    internal static RoundDecision<T> Accept(T value) => new(value ?? throw new ArgumentNullException(nameof(value)), null, "accepted");

    internal static RoundDecision<T> Refuse(RoundRefusal refusal, string reason) => new(null, refusal, reason);
}

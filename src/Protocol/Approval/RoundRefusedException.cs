namespace SecAgg.Protocol.Approval;

/// <summary>Internal short-circuit of the round checks; the policies turn it into a refused <see cref="RoundDecision{T}"/>.</summary>
internal sealed class RoundRefusedException(RoundRefusal refusal, string message) : Exception(message)
{
    public RoundRefusal Refusal { get; } = refusal;
}

namespace SecAgg.Participant.Client;

/// <summary>What a participant did at a round's approval or decryption step.</summary>
/// <param name="Round">The round.</param>
/// <param name="Done">Whether it approved U's list (approval) or sent its shares (decryption).</param>
/// <param name="Count">Approval: |U|; decryption: the shares sent by this call.</param>
/// <param name="Detail">Why not (a refusal with its reason, not a member, the round aborted or past the step), or what was done.</param>
public sealed record RoundAnswer(ulong Round, bool Done, int Count, string Detail);

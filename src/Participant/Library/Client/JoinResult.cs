namespace SecAgg.Participant.Client;

/// <summary>The key epoch a participant joined.</summary>
/// <param name="EpochId">The epoch.</param>
/// <param name="PartyId">This participant's party index (1..N, consortium-file order; its Shamir point).</param>
/// <param name="Parties">N.</param>
/// <param name="Threshold">t.</param>
/// <param name="ConsortiumDigest">The consortium digest of the own file, grouped hex (compare it out of band with the other sites).</param>
/// <param name="Acknowledged">Participants that have acknowledged their key shares so far (this one included).</param>
/// <param name="Ready">Whether the epoch is READY (all N acknowledged; rounds may open).</param>
public sealed record JoinResult(ulong EpochId, int PartyId, int Parties, int Threshold, string ConsortiumDigest, int Acknowledged, bool Ready);

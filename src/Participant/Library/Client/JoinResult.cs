namespace SecAgg.Participant.Client;

/// <summary>The key epoch a participant joined.</summary>
/// <param name="EpochId">The epoch.</param>
/// <param name="PartyId">This participant's party index (1..N, consortium-file order).</param>
/// <param name="Parties">N.</param>
/// <param name="Threshold">t.</param>
/// <param name="PublicKeyDigest">SHA-256 of the collective public key as published (compare it out of band).</param>
public sealed record JoinResult(ulong EpochId, int PartyId, int Parties, int Threshold, byte[] PublicKeyDigest);

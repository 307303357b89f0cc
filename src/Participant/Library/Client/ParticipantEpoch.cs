using SecAgg.Participant.Rounds;

namespace SecAgg.Participant.Client;

/// <summary>The key epoch as this participant sees it: its party index, N, t, its crypto and the ids in Shamir point order.</summary>
/// <param name="EpochId">The epoch.</param>
/// <param name="PartyId">This participant's party index (1..N).</param>
/// <param name="Parties">N.</param>
/// <param name="Threshold">t.</param>
/// <param name="Crypto">This participant's keys and HE operations for the epoch.</param>
/// <param name="Ids">Participant ids in consortium-file (Shamir point) order.</param>
internal sealed record ParticipantEpoch(ulong EpochId, int PartyId, int Parties, int Threshold, ParticipantCrypto Crypto, IReadOnlyList<string> Ids)
{
    /// <summary>The party index of <paramref name="participantId"/>.</summary>
    /// <exception cref="InvalidDataException">It is not enrolled.</exception>
    public int PartyIdOf(string participantId)
    {
        int i = Ids.ToList().IndexOf(participantId);
        return i >= 0 ? i + 1 : throw new InvalidDataException($"The decryption set names '{participantId}', who is not enrolled.");
    }
}

using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Epoch;

/// <summary>
/// What a participant sends once all N commits verified (<see cref="ParticipantKeyEpoch.Deal"/>): its signed EpochReveal
/// (SubmitReveal) and its sealed Shamir shares, one per other participant (UploadThresholdShares; the dealer keeps its
/// own). Made again after a restart it is the same content (the reveal's statement bytes and every blob are identical;
/// the ECDSA signature is randomized, so compare statement bytes).
/// </summary>
public sealed class EpochDealing
{
    internal EpochDealing(SignedStatement reveal, IReadOnlyDictionary<string, byte[]> blobs)
    {
        Reveal = reveal;
        Blobs = blobs;
    }

    /// <summary>The signed EpochReveal (r_i).</summary>
    public SignedStatement Reveal { get; }

    /// <summary>Recipient id → sealed blob (ThresholdShareBlob.ciphertext), for the N − 1 other participants in roster order.</summary>
    public IReadOnlyDictionary<string, byte[]> Blobs { get; }
}

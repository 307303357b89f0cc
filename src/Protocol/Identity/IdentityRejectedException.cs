namespace SecAgg.Protocol.Identity;

/// <summary>
/// A certificate does not authenticate the participant it was presented for: it does not chain to the consortium
/// CA, or its SHA-256 is not the pin of that participant in the consortium file, or the id is not in the roster.
/// The message names the id, the presented fingerprint and the expected pin.
/// </summary>
public sealed class IdentityRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IdentityRejectedException(string participantId, string message)
        : base(message)
    {
        ParticipantId = participantId;
    }

    /// <summary>The participant id the certificate was presented for.</summary>
    public string ParticipantId { get; }
}

namespace SecAgg.Protocol.Identity;

/// <summary>
/// One enrolled participant in the consortium file: its id and the SHA-256 pin of its enrollment certificate (the
/// digest of the certificate's DER encoding). The pin, not the certificate's subject, is what identifies the site.
/// </summary>
public sealed class RosterEntry
{
    private readonly byte[] _pin;

    /// <summary>Creates an entry; <see cref="ConsortiumDescriptor.Create"/> checks the id and that the pin has 32 bytes.</summary>
    /// <param name="participantId">The participant id (1 to 64 ASCII letters, digits, '.', '_' or '-').</param>
    /// <param name="certificateSha256">SHA-256 of the participant's enrollment certificate (DER), 32 bytes; copied.</param>
    public RosterEntry(string participantId, ReadOnlySpan<byte> certificateSha256)
    {
        ArgumentNullException.ThrowIfNull(participantId);
        ParticipantId = participantId;
        _pin = certificateSha256.ToArray();
    }

    /// <summary>The participant id.</summary>
    public string ParticipantId { get; }

    /// <summary>SHA-256 of the participant's enrollment certificate (DER).</summary>
    public ReadOnlyMemory<byte> CertificateSha256 => _pin;

    /// <inheritdoc/>
    public override string ToString() => $"{ParticipantId} ({Internal.DigestText.Fingerprint(_pin)})";
}

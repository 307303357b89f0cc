using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;
using SecAgg.Security;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Who is calling: the connection's client certificate (TLS requires one) must chain to the consortium CA (the only
/// trust anchor, client-auth usage), and its SHA-256 must equal an enrolled participant's <c>certificate-sha256</c>
/// pin; a subject or common name alone never authenticates. A certificate whose <c>urn:secagg:participant:</c> SAN
/// names another participant is refused too. Each authenticated call counts as liveness. The chain is built once per
/// certificate (<see cref="VerifiedCertificates"/>); the pin, the claimed id and the admission are checked on every call.
/// </summary>
internal sealed class ParticipantAuthenticator
{
    private readonly X509Certificate2 _ca;
    private readonly ConsortiumConfig _config;
    private readonly LivenessTracker _liveness;
    private readonly ConsortiumRoster _roster;
    private readonly Dictionary<string, ParticipantConfig> _byPin;
    private readonly VerifiedCertificates _verified;

    public ParticipantAuthenticator(X509Certificate2 ca, ConsortiumRoster roster, LivenessTracker liveness)
    {
        _ca = ca;
        _verified = new VerifiedCertificates(ca);
        _roster = roster;
        _config = roster.Config;
        _liveness = liveness;
        _byPin = _config.Participants.ToDictionary(p => p.CertificateSha256, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The enrolled participant the call's client certificate proves; records its liveness.</summary>
    /// <exception cref="RefusalException">UNAUTHENTICATED (no certificate, or not from the consortium CA) or PERMISSION_DENIED (not enrolled).</exception>
    public string Authenticate(ServerCallContext context)
    {
        X509Certificate2? certificate = context.GetHttpContext().Connection.ClientCertificate;
        if (certificate is null)
        {
            throw new RefusalException(StatusCode.Unauthenticated, ErrorReason.IdentityMismatch, "a client certificate issued by the consortium CA is required") { Participant = "(anonymous)" };
        }

        if (!_verified.TryVerify(certificate, out PeerIdentity peer))
        {
            throw new RefusalException(StatusCode.Unauthenticated, ErrorReason.IdentityMismatch,
                $"the client certificate (subject '{peer.Subject}', issuer '{certificate.Issuer}') is not a valid client certificate of consortium '{_config.Name}': "
                + $"it must be issued by the consortium CA '{_ca.Subject}', be within its validity period and allow client authentication; use the certificate made for this consortium")
            { Participant = Presented(peer) };
        }

        if (!_byPin.TryGetValue(peer.Sha256Fingerprint, out ParticipantConfig? participant))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.IdentityMismatch, NotEnrolled(peer)) { Participant = Presented(peer) };
        }

        if (peer.ParticipantId is { } claimed && !string.Equals(claimed, participant.Id, StringComparison.Ordinal))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.IdentityMismatch,
                $"the client certificate names participant '{claimed}' but is pinned as '{participant.Id}' in the consortium file; fix the certificate or the pin")
            { Participant = participant.Id };
        }

        try
        {
            // The pinned certificate's key verifies this participant's signed statements from now on.
            _roster.Admit(participant.Id, certificate);
        }
        catch (IdentityRejectedException e)
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.IdentityMismatch, e.Message) { Participant = participant.Id };
        }

        _liveness.Seen(participant.Id);
        return participant.Id;
    }

    /// <summary>PERMISSION_DENIED unless <paramref name="claimedId"/> (an id in a request) is the caller's.</summary>
    public static void RequireSelf(ServerCallContext context, string claimedId)
    {
        string caller = context.Caller();
        if (!string.Equals(claimedId, caller, StringComparison.Ordinal))
        {
            throw new RefusalException(StatusCode.PermissionDenied, ErrorReason.IdentityMismatch,
                $"the request names participant '{claimedId}', but the client certificate belongs to '{caller}'");
        }
    }

    private static string Presented(PeerIdentity peer) => peer.ParticipantId ?? peer.CommonName ?? peer.Subject;

    private string NotEnrolled(PeerIdentity peer)
    {
        string head = $"the client certificate with SHA-256 {peer.Sha256Fingerprint} (subject '{peer.Subject}') matches no certificate-sha256 pin of consortium '{_config.Name}'";
        string? named = peer.ParticipantId ?? peer.CommonName;
        return named is not null && _config.TryGetParticipant(named, out ParticipantConfig p)
            ? $"{head}; if it is {p.Id}'s certificate, check the certificate-sha256 of participant '{p.Id}' in the consortium file (it pins {p.CertificateSha256}), or use the certificate that pin belongs to"
            : $"{head}; enroll it by adding its SHA-256 as the certificate-sha256 of its participant in the consortium file";
    }
}

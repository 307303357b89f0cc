using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Protocol.Consortium;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// The enrolled participants of the consortium file, in file order (a participant's Shamir point is its position plus
/// one), joined to the consortium CA: the pinned certificates seen on authenticated connections are admitted to
/// <see cref="Pins"/>, so each participant's signed statements verify against its own pinned key. One key epoch
/// (<see cref="EpochId"/>) per deployment.
/// </summary>
internal sealed class ConsortiumRoster : IDisposable
{
    /// <summary>The one key epoch of a deployment.</summary>
    public const ulong EpochId = 1;

    private readonly Dictionary<string, int> _points;
    private readonly ConcurrentDictionary<string, byte[]> _certificates = new(StringComparer.Ordinal);

    public ConsortiumRoster(ConsortiumConfig config, PinnedRoster pins)
    {
        Config = config;
        Pins = pins;
        Ids = [.. pins.Descriptor.Roster.Select(e => e.ParticipantId)];
        _points = Ids.Select((id, i) => (id, i + 1)).ToDictionary(x => x.id, x => x.Item2, StringComparer.Ordinal);
        Verifier = new StatementVerifier(pins, EpochId);
    }

    /// <summary>The consortium file.</summary>
    public ConsortiumConfig Config { get; }

    /// <summary>The pins joined to the consortium CA, with the admitted certificates.</summary>
    public PinnedRoster Pins { get; }

    /// <summary>The consortium's descriptor (its digest binds every statement).</summary>
    public ConsortiumDescriptor Descriptor => Pins.Descriptor;

    /// <summary>Verifies statements of the current key epoch.</summary>
    public StatementVerifier Verifier { get; }

    /// <summary>Participant ids in file (= Shamir point) order.</summary>
    public ImmutableArray<string> Ids { get; }

    /// <summary>N.</summary>
    public int Count => Ids.Length;

    /// <summary>Whether <paramref name="id"/> is enrolled.</summary>
    public bool IsEnrolled(string id) => _points.ContainsKey(id);

    /// <summary>The Shamir point (1..N) of an enrolled participant.</summary>
    public int PointOf(string id) => _points[id];

    /// <summary>Ids in Shamir point order.</summary>
    public string[] InPointOrder(IEnumerable<string> ids) => [.. ids.OrderBy(PointOf)];

    /// <summary>
    /// Admits <paramref name="participantId"/>'s pinned certificate (idempotent); returns true the first time in this
    /// process (the caller persists it then).
    /// </summary>
    /// <exception cref="IdentityRejectedException">The certificate is not the pinned one, another CA's, or not P-256.</exception>
    public bool Admit(string participantId, X509Certificate2 certificate)
    {
        if (_certificates.ContainsKey(participantId))
        {
            return false;
        }

        Pins.Admit(participantId, certificate);
        return _certificates.TryAdd(participantId, certificate.RawData);
    }

    /// <summary>The admitted certificate (DER) of <paramref name="participantId"/>, or null.</summary>
    public byte[]? CertificateOf(string participantId) => _certificates.TryGetValue(participantId, out byte[]? der) ? der : null;

    public void Dispose() => Pins.Dispose();
}

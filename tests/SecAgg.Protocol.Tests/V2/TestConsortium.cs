using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;

namespace SecAgg.Protocol.Tests.V2;

/// <summary>
/// A consortium made in the test: a CA, N sites "hospital-1".."hospital-N" with their own certificates and signers, the
/// descriptor pinning those certificates, and a roster (the view of one honest participant) with every certificate admitted.
/// </summary>
internal sealed class TestConsortium : IDisposable
{
    private readonly Dictionary<string, StatementSigner> _signers = new(StringComparer.Ordinal);

    private readonly bool _ownsPki;

    private TestConsortium(TestPki pki, bool ownsPki, string[] ids, X509Certificate2[] certificates, ConsortiumDescriptor descriptor)
    {
        Pki = pki;
        _ownsPki = ownsPki;
        Ids = ids;
        Certificates = certificates;
        Descriptor = descriptor;
        Roster = NewRoster();
        for (int i = 0; i < ids.Length; i++)
        {
            _signers[ids[i]] = new StatementSigner(certificates[i]);
        }
    }

    public TestPki Pki { get; }

    public string[] Ids { get; }

    public X509Certificate2[] Certificates { get; }

    public ConsortiumDescriptor Descriptor { get; }

    /// <summary>An honest participant's roster with every site's certificate admitted.</summary>
    public PinnedRoster Roster { get; }

    public byte[] Digest => Descriptor.Digest.ToArray();

    /// <summary>Creates the consortium; <paramref name="edit"/> changes the descriptor literal (preset, scheme, d, DP knobs) before it is checked.</summary>
    public static TestConsortium Create(int n = 4, int t = 3, int c = 1, int m = 3, string name = "heart-study", TestPki? pki = null, Func<ConsortiumDescriptorLiteral, ConsortiumDescriptorLiteral>? edit = null)
    {
        bool owns = pki is null;
        pki ??= TestPki.Create();
        string[] ids = [.. Enumerable.Range(1, n).Select(i => $"hospital-{i}")];
        X509Certificate2[] certs = [.. ids.Select(id => pki.Issue(id))];
        ConsortiumDescriptorLiteral literal = Literal(ids.Zip(certs, (id, cert) => new RosterEntry(id, SHA256.HashData(cert.RawData))).ToArray(), t, c, m, name);
        ConsortiumDescriptor descriptor = ConsortiumDescriptor.Create(edit is null ? literal : edit(literal));
        return new TestConsortium(pki, owns, ids, certs, descriptor);
    }

    /// <summary>A valid literal for <paramref name="roster"/>: BFV planned preset, d = 10^6, b = 16, clip 1, z = 1, δ = 1e-6, 10 rounds, ε budget 8.</summary>
    public static ConsortiumDescriptorLiteral Literal(IReadOnlyList<RosterEntry> roster, int t, int c, int m, string name = "heart-study") => new()
    {
        ConsortiumId = name,
        Roster = roster,
        Threshold = t,
        MaxColluders = c,
        MinParticipants = m,
        HePreset = ProtocolPresets.PlannedName,
        ModelDimension = 1_000_000,
        Bits = 16,
        ClipNorm = 1.0,
        NoiseMultiplier = 1.0,
        Delta = 1e-6,
        Rounds = 10,
        EpsilonBudget = 8,
    };

    /// <summary>A fresh roster of this consortium with every site's certificate admitted.</summary>
    public PinnedRoster NewRoster()
    {
        var roster = new PinnedRoster(Descriptor, Pki.Ca);
        for (int i = 0; i < Ids.Length; i++)
        {
            roster.Admit(Ids[i], Certificates[i]);
        }

        return roster;
    }

    public StatementSigner Signer(string id) => _signers[id];

    /// <summary>Participant <paramref name="id"/>'s signed upload commitment for <paramref name="round"/> (chunk digests made from <paramref name="salt"/>).</summary>
    public (UploadCommitment Commitment, SignedStatement Signed) Upload(string id, ulong round, ulong epoch = 1, int chunks = 3, ulong weight = 1, int salt = 0)
    {
        ReadOnlyMemory<byte>[] digests = [.. Enumerable.Range(0, chunks).Select(k => (ReadOnlyMemory<byte>)UploadCommitment.DigestChunk(System.Text.Encoding.UTF8.GetBytes($"{id}/{round}/{k}/{salt}")))];
        var uploadId = new Guid(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{id}/{round}/{salt}"))[..16]);
        UploadCommitment commitment = UploadCommitment.Create(Digest, epoch, id, round, uploadId, weight, digests);
        return (commitment, Signer(id).Sign(commitment));
    }

    public void Dispose()
    {
        foreach (StatementSigner s in _signers.Values)
        {
            s.Dispose();
        }

        foreach (X509Certificate2 c in Certificates)
        {
            c.Dispose();
        }

        if (_ownsPki)
        {
            Pki.Dispose();
        }
    }
}

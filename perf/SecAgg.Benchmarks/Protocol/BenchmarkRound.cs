using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;
using SecAgg.Quantize.Ddg;
using SecAgg.Security;

namespace SecAgg.Benchmarks.Protocol;

/// <summary>
/// Round 1 of a protocol-v2 consortium made in memory for the benchmarks, through the seam only: a CA and N sites
/// "site-1".."site-N" (P-256 client certificates pinned by SHA-256), the descriptor on the planned preset (t = ⌈2N/3⌉,
/// c = 1, m = ⌈N/2⌉, b = 16, clip 1, z = 1, d = <c>dimension</c> in one tensor), <see cref="ProtocolPresets.For"/>, and
/// either the whole key epoch (<see cref="ParticipantKeyEpoch"/>: commit, deal, complete for every site; the epoch seed and
/// every site's <see cref="EpochKeys"/>) or, for the encryption benchmarks, only site 1's key share s_1 and a random epoch
/// seed (an upload needs nothing else).
/// </summary>
internal sealed class BenchmarkRound : IDisposable
{
    private const ulong EpochId = 1;
    private readonly CertificateAuthority _ca;
    private readonly X509Certificate2[] _certificates;
    private readonly KeyShareSecret? _secret;

    private BenchmarkRound(int parties, int dimension, HeScheme scheme, bool keyEpoch)
    {
        _ca = CertificateAuthority.Create("Benchmark Consortium CA");
        Ids = [.. Enumerable.Range(1, parties).Select(i => $"site-{i}")];
        _certificates = [.. Ids.Select(id => _ca.IssueClientCertificate(id))];
        Signers = [.. _certificates.Select(c => new StatementSigner(c))];
        Descriptor = ConsortiumDescriptor.Create(new ConsortiumDescriptorLiteral
        {
            ConsortiumId = "benchmark",
            Roster = [.. Ids.Zip(_certificates, (id, c) => new RosterEntry(id, SHA256.HashData(c.RawData)))],
            Threshold = ((2 * parties) + 2) / 3,
            MaxColluders = 1,
            MinParticipants = Math.Max(2, (parties + 1) / 2),
            Scheme = scheme,
            HePreset = ProtocolPresets.PlannedName,
            ModelDimension = dimension,
            Bits = 16,
            ClipNorm = 1.0,
            NoiseMultiplier = 1.0,
            Delta = 1e-6,
            Rounds = 10,
            EpsilonBudget = 1e6,
        });
        Preset = ProtocolPresets.For(Descriptor);
        Roster = NewRoster();
        byte[] epochSeed;
        if (keyEpoch)
        {
            Keys = RunKeyEpoch();
            epochSeed = Keys[0].EpochSeed.ToArray();
        }
        else
        {
            Keys = [];
            _secret = KeyShareSecret.Generate(Preset.Aggregation, 1);
            epochSeed = RandomNumberGenerator.GetBytes(RoundPolynomial.SeedBytes);
        }

        Round = RoundParameters.Create(Preset, 1, 0, EpochId, epochSeed, new TensorLayout([new TensorSpec("w", [dimension])]));
    }

    public string[] Ids { get; }

    public StatementSigner[] Signers { get; }

    public ConsortiumDescriptor Descriptor { get; }

    public ProtocolPreset Preset { get; }

    public PinnedRoster Roster { get; }

    /// <summary>Every site's keys of the epoch (empty without the key epoch).</summary>
    public EpochKeys[] Keys { get; }

    public RoundParameters Round { get; }

    /// <summary>A consortium with its whole key epoch run (for fold, shares and combine).</summary>
    public static BenchmarkRound WithKeyEpoch(int parties, int dimension, HeScheme scheme = HeScheme.Bfv) => new(parties, dimension, scheme, keyEpoch: true);

    /// <summary>A consortium where only site 1 holds a key share (for the upload benchmarks).</summary>
    public static BenchmarkRound ForUploads(int parties, int dimension, HeScheme scheme = HeScheme.Bfv) => new(parties, dimension, scheme, keyEpoch: false);

    /// <summary>Site <paramref name="site"/>'s (0-based) encryptor of the round.</summary>
    public UpdateEncryptor CreateEncryptor(int site = 0, int maxDegreeOfParallelism = -1)
    {
        KeyShareSecret secret = Keys.Length > 0 ? Keys[site].Secret : site == 0 ? _secret! : throw new InvalidOperationException("Only site 1 holds a key share without the key epoch.");
        return new UpdateEncryptor(Round, secret, Signers[site], Ids[site]) { MaxDegreeOfParallelism = maxDegreeOfParallelism };
    }

    /// <summary>Every member of U's signed RoundApproval over U's list (what the honest approval policy signs).</summary>
    public SignedStatement[] Approve(IReadOnlyList<EncryptedUpload> uploads)
    {
        byte[] listDigest = UploadList.Digest(Descriptor, uploads.Select(u => u.Commitment));
        return [.. uploads.Select(u => Signers[Descriptor.IndexOf(u.Commitment.ParticipantId)].Sign(
            new RoundApproval(Descriptor.Digest.Span, EpochId, u.Commitment.ParticipantId, Round.Round, listDigest)))];
    }

    /// <summary>
    /// Site <paramref name="site"/>'s checked decryption session, over a ledger that records nothing (so that a benchmark
    /// can compute the same chunk's share again; a member's real ledger answers a repeat with the recorded bytes).
    /// </summary>
    public MemberSession OpenMember(int site, IReadOnlyList<EncryptedUpload> uploads, SignedStatement[] approvals, string[] decryptionSet)
    {
        var member = new MemberDecryption(Preset, Roster, Keys[site], new UnrecordedLedger());
        var decision = member.Open(Round.Round, [.. uploads.Select(u => u.SignedCommitment)], approvals, decryptionSet);
        return decision.Value ?? throw new InvalidOperationException($"{Ids[site]} refused the session: {decision.Reason}");
    }

    public void Dispose()
    {
        foreach (EpochKeys k in Keys)
        {
            k.Dispose();
        }

        _secret?.Dispose();
        foreach (StatementSigner s in Signers)
        {
            s.Dispose();
        }

        foreach (X509Certificate2 c in _certificates)
        {
            c.Dispose();
        }

        Roster.Dispose();
        _ca.Dispose();
    }

    private PinnedRoster NewRoster()
    {
        var roster = new PinnedRoster(Descriptor, _ca.Certificate);
        for (int i = 0; i < Ids.Length; i++)
        {
            roster.Admit(Ids[i], _certificates[i]);
        }

        return roster;
    }

    private EpochKeys[] RunKeyEpoch()
    {
        ParticipantKeyEpoch[] sites = [.. Ids.Select((id, i) => ParticipantKeyEpoch.Start(Preset, Roster, Signers[i], id, EpochId))];
        try
        {
            SignedStatement[] commits = [.. sites.Select(s => s.CreateCommit())];
            EpochDealing[] dealings = [.. sites.Select(s => s.Deal(commits))];
            SignedStatement[] reveals = [.. dealings.Select(d => d.Reveal)];
            return [.. sites.Select((s, i) => s.Complete(reveals, Enumerable.Range(0, Ids.Length).Where(j => j != i).ToDictionary(j => Ids[j], j => dealings[j].Blobs[Ids[i]])))];
        }
        finally
        {
            foreach (ParticipantKeyEpoch s in sites)
            {
                s.Dispose();
            }
        }
    }

    private sealed class UnrecordedLedger : IDecryptionLedger
    {
        public void CheckSession(SetDecryptionSession session)
        {
        }

        public byte[]? Record(SetDecryptionSession session, int chunk) => null;

        public long IssuedCount(ulong epoch) => 0;
    }
}

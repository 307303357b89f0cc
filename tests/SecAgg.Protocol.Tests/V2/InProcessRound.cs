using SecAgg.Crypto.Multiparty;
using SecAgg.Protocol.Approval;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;
using SecAgg.Quantize.Ddg;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Protocol.Tests.V2;

/// <summary>
/// One consortium's rounds run in process through the v2 seam only (no network): every site plans its own preset from its
/// own descriptor, keeps its own roster, and keeps its state (epoch keys, approvals, privacy ledger, decryption ledger)
/// under its own directory; the aggregator plans its own preset and sees only what the wire carries (signed statements,
/// chunk bytes, RoundConfig, share bytes). The key epoch runs at construction, with one site resumed from its exported
/// state after the commit and another after the dealing.
/// </summary>
internal sealed class InProcessRound : IDisposable
{
    public const ulong EpochId = 1;
    public const int Dimension = 1000;

    private readonly string _dir = Directory.CreateTempSubdirectory("secagg-round-").FullName;

    private InProcessRound(TestConsortium consortium)
    {
        Consortium = consortium;
        AggregatorPreset = ProtocolPresets.For(consortium.Descriptor);
        AggregatorRoster = consortium.NewRoster();
        Sites = [.. consortium.Ids.Select(id => new Site(id, consortium, Path.Combine(_dir, id)))];
        RunKeyEpoch();
    }

    public TestConsortium Consortium { get; }

    public ProtocolPreset AggregatorPreset { get; }

    public PinnedRoster AggregatorRoster { get; }

    public Site[] Sites { get; }

    /// <summary>The epoch seed as the aggregator derives it from the relayed commits and reveals.</summary>
    public byte[] EpochSeed { get; private set; } = [];

    /// <summary>A layout of <see cref="Dimension"/> values in two tensors.</summary>
    public static TensorLayout Layout { get; } = new([new TensorSpec("w", [Dimension - 10]), new TensorSpec("b", [10])]);

    /// <summary>
    /// A consortium of <paramref name="n"/> sites on the insecure test preset of <paramref name="scheme"/>, d = 1000, b = 16,
    /// clip 1 and a small noise multiplier (z = 0.001, so that the mean is checkable to ~10^-3) with a budget large enough for it.
    /// </summary>
    public static InProcessRound Create(int n, int t, int c, int m, HeScheme scheme, double noiseMultiplier = 0.001, double epsilonBudget = 1e7, int maxWeight = 1) =>
        new(TestConsortium.Create(n, t, c, m, edit: l => l with
        {
            HePreset = ProtocolPresets.InsecureForTestsName,
            Scheme = scheme,
            ModelDimension = Dimension,
            NoiseMultiplier = noiseMultiplier,
            EpsilonBudget = epsilonBudget,
            Rounds = 4,
            MaxWeight = maxWeight,
        }));

    public Site this[string id] => Sites.Single(s => s.Id == id);

    /// <summary>The aggregator's parameters of round <paramref name="round"/> (from its own preset and the epoch seed it derived).</summary>
    public RoundParameters Announce(ulong round, ulong modelVersion = 0) =>
        RoundParameters.Create(AggregatorPreset, round, modelVersion, EpochId, EpochSeed, Layout);

    /// <summary>What the aggregator announces: its RoundConfig in OPEN.</summary>
    public static V1.RoundConfig Announcement(RoundParameters round) => round.ToContract(DateTimeOffset.UnixEpoch.AddYears(60), V1.RoundStage.Open);

    /// <summary>
    /// The aggregator's side of the uploads: each signed commitment verified under the pinned key, each chunk validated and
    /// matched to the commitment, then folded into one sum per chunk index. Returns the serialized sums.
    /// </summary>
    public byte[][] Fold(RoundParameters round, IEnumerable<EncryptedUpload> uploads)
    {
        CiphertextScheme scheme = round.Scheme;
        MaskedUpload[] sums = [.. Enumerable.Range(0, round.TotalChunks).Select(_ => scheme.CreateEmptySum())];
        var verifier = new StatementVerifier(AggregatorRoster, EpochId);
        foreach (EncryptedUpload upload in uploads)
        {
            UploadCommitment commitment = verifier.Verify<UploadCommitment>(upload.SignedCommitment);
            Assert.Equal(round.Round, commitment.Round);
            Assert.Equal(round.TotalChunks, commitment.TotalChunks);
            byte[][] chunks = [.. Enumerable.Range(0, upload.ChunkCount).Select(upload.ReadChunk)];
            Assert.True(commitment.Matches([.. chunks.Select(c => (ReadOnlyMemory<byte>)UploadCommitment.DigestChunk(c))]));
            for (int k = 0; k < round.TotalChunks; k++)
            {
                Assert.True(scheme.TryValidateUpload(chunks[k], out string? problem), problem);
                scheme.Fold(sums[k], chunks[k]);
            }
        }

        return [.. sums.Select(s => s.Serialize())];
    }

    /// <summary>Each of <paramref name="sites"/> joins the announced round (its own check) and uploads its update.</summary>
    public static (Site Site, EncryptedUpload Upload)[] UploadAll(RoundParameters round, IReadOnlyList<Site> sites, float[][] updates, ulong[]? weights = null) =>
        [.. sites.Select((s, i) => (s, s.Upload(s.Join(Announcement(round)), updates[i], weights?[i] ?? 1)))];

    /// <summary>Each member of U decides on the list of U's signed commitments; all must approve.</summary>
    public SignedStatement[] Approvals(ulong round, IReadOnlyList<(Site Site, EncryptedUpload Upload)> uploads)
    {
        SignedStatement[] list = [.. uploads.Select(u => u.Upload.SignedCommitment).Reverse()];
        return [.. uploads.Select(u =>
        {
            RoundDecision<SignedStatement> d = u.Site.Approval.Decide(EpochId, round, u.Upload.Commitment, list);
            Assert.True(d.IsAccepted, d.Reason);
            return d.Value!;
        })];
    }

    /// <summary>
    /// The aggregator's combine: each member's shares (chunk → bytes) checked against the session it fixed, then every
    /// chunk's sum combined with D's shares into the values mod 2^b.
    /// </summary>
    public static uint[][] Combine(RoundParameters round, SetDecryptionSession session, byte[][] sums, IReadOnlyDictionary<string, byte[][]> sharesByMember)
    {
        CiphertextScheme scheme = round.Scheme;
        foreach ((string id, byte[][] shares) in sharesByMember)
        {
            int party = round.Descriptor.IndexOf(id) + 1;
            for (int k = 0; k < shares.Length; k++)
            {
                Assert.Equal(scheme.ShareBytes, shares[k].Length);
                Assert.True(scheme.TryCheckShare(shares[k], session, k, party, out string? problem), problem);
            }
        }

        return [.. Enumerable.Range(0, round.TotalChunks).Select(k =>
            scheme.Combine(session, k, sums[k], sharesByMember.Values.Select(s => (ReadOnlyMemory<byte>)s[k])))];
    }

    /// <summary>Member <paramref name="member"/> opens the session and answers every chunk (streamed one at a time).</summary>
    public static byte[][] Answer(Site member, ulong round, SignedStatement[] commitments, SignedStatement[] approvals, string[] decryptionSet)
    {
        RoundDecision<MemberSession> opened = member.Decryption.Open(round, commitments, approvals, decryptionSet);
        Assert.True(opened.IsAccepted, opened.Reason);
        using MemberSession session = opened.Value!;
        return [.. session.Shares().Select(s => s.Share)];
    }

    public void Dispose()
    {
        foreach (Site s in Sites)
        {
            s.Dispose();
        }

        Consortium.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private void RunKeyEpoch()
    {
        foreach (Site s in Sites)
        {
            s.StartEpoch();
        }

        // The second site restarts after its commit: it resumes from the exported state and commits the same r_i.
        Site restarted = Sites[1];
        byte[] before = restarted.Epoch!.CreateCommit().Statement.ToArray();
        restarted.RestartEpoch();
        Assert.Equal(before, restarted.Epoch!.CreateCommit().Statement.ToArray());
        Assert.False(restarted.Epoch.CommitsVerified);

        SignedStatement[] commits = [.. Sites.Select(s => s.Epoch!.CreateCommit())];
        Dictionary<string, EpochDealing> dealings = Sites.ToDictionary(s => s.Id, s => s.Epoch!.Deal(commits));

        // The last site restarts after dealing: the reveal and every blob come out identical, the commits already verified.
        Site dealt = Sites[^1];
        dealt.RestartEpoch();
        Assert.True(dealt.Epoch!.CommitsVerified);
        EpochDealing again = dealt.Epoch.Deal(commits);
        Assert.Equal(dealings[dealt.Id].Reveal.Statement.ToArray(), again.Reveal.Statement.ToArray());
        Assert.Equal(dealings[dealt.Id].Blobs.Keys.Order(), again.Blobs.Keys.Order());
        Assert.All(again.Blobs, b => Assert.Equal(dealings[dealt.Id].Blobs[b.Key], b.Value));

        SignedStatement[] reveals = [.. dealings.Values.Select(d => d.Reveal)];
        EpochSeed = Protocol.Epoch.EpochSeed.Derive(AggregatorRoster, EpochId, commits, reveals);
        foreach (Site s in Sites)
        {
            Dictionary<string, byte[]> mine = dealings.Where(d => d.Key != s.Id).ToDictionary(d => d.Key, d => d.Value.Blobs[s.Id]);
            Assert.Equal(Sites.Length - 1, mine.Count);
            s.CompleteEpoch(reveals, mine);
            Assert.Equal(EpochSeed, s.Keys!.EpochSeed.ToArray());
        }
    }

    /// <summary>One site: its own preset, roster, signer and state directory.</summary>
    internal sealed class Site : IDisposable
    {
        private readonly TestConsortium _consortium;
        private readonly string _state;
        private ParticipantRoundApproval? _approval;
        private MemberDecryption? _decryption;

        public Site(string id, TestConsortium consortium, string state)
        {
            Id = id;
            _consortium = consortium;
            _state = state;
            Preset = ProtocolPresets.For(consortium.Descriptor);
            Roster = consortium.NewRoster();
        }

        public string Id { get; }

        public ProtocolPreset Preset { get; }

        public PinnedRoster Roster { get; }

        public StatementSigner Signer => _consortium.Signer(Id);

        public ParticipantKeyEpoch? Epoch { get; private set; }

        public EpochKeys? Keys { get; private set; }

        public ParticipantRoundApproval Approval => _approval ??= new ParticipantRoundApproval(Preset, Roster, Signer, Id, _state);

        public FileDecryptionLedger Ledger => new(Path.Combine(_state, "decryption"), Preset.Aggregation);

        public MemberDecryption Decryption => _decryption ??= new MemberDecryption(Preset, Roster, Keys!, Ledger);

        /// <summary>This site's view of the announced round (its own computation, checked against the announcement).</summary>
        public RoundParameters Join(V1.RoundConfig announced) => RoundParameters.FromContract(announced, Preset, EpochId, Keys!.EpochSeed.Span);

        /// <summary>Encrypts straight into a stored upload in the site's state folder, as a participant does, and opens
        /// it: the chunks the aggregator folds are read back from that file.</summary>
        public EncryptedUpload Upload(RoundParameters round, float[] update, ulong weight = 1)
        {
            var encryptor = new UpdateEncryptor(round, Keys!.Secret, Signer, Id) { MaxDegreeOfParallelism = 1 };
            Directory.CreateDirectory(_state);
            var uploadId = Guid.NewGuid();
            // One file per upload: some tests make a second, different upload for the same round on purpose.
            string path = Path.Combine(_state, $"upload-round-{round.Round}-{uploadId:N}.chunks");
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                encryptor.EncryptTo(update, weight, uploadId, file);
            }

            return EncryptedUpload.Open(path);
        }

        public void StartEpoch() => Epoch = ParticipantKeyEpoch.Start(Preset, Roster, Signer, Id, EpochId);

        public void RestartEpoch()
        {
            byte[] state = Epoch!.ExportState();
            Epoch.Dispose();
            Epoch = ParticipantKeyEpoch.Resume(Preset, Roster, Signer, Id, EpochId, state);
        }

        public void CompleteEpoch(SignedStatement[] reveals, Dictionary<string, byte[]> blobs)
        {
            EpochKeys keys = Epoch!.Complete(reveals, blobs);
            Epoch.Dispose();
            Epoch = null;

            // Kept in a 0600 file and read back, as the participant library does.
            byte[] bytes = keys.Serialize();
            keys.Dispose();
            Keys = EpochKeys.Deserialize(Preset.Aggregation, Id, EpochId, bytes);
        }

        public void Dispose()
        {
            Epoch?.Dispose();
            Keys?.Dispose();
        }
    }
}

using System.Buffers.Binary;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Crypto.Multiparty;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Approval;
using SecAgg.Protocol.Epoch;
using SecAgg.Protocol.Identity;
using SecAgg.Protocol.Statements;
using SignedStatement = SecAgg.Protocol.Statements.SignedStatement;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// A participant over the generated clients and the Protocol seam only (ParticipantKeyEpoch, UpdateEncryptor,
/// ParticipantRoundApproval, MemberDecryption): what a real site computes, without the participant library.
/// Its own copy of the consortium file is the harness's file; its state directory survives aggregator restarts.
/// </summary>
internal sealed class TestParticipant : IDisposable
{
    private readonly ServiceHarness _harness;
    private readonly string _stateDir;
    private readonly ProtocolPreset _preset;
    private readonly PinnedRoster _roster;
    private readonly StatementSigner _signer;
    private ParticipantKeyEpoch? _epoch;
    private EpochDealing? _dealing;
    private EpochKeys? _keys;
    private ParticipantRoundApproval? _approval;

    public TestParticipant(string id, X509Certificate2 certificate, ServiceHarness harness, string stateDir)
    {
        Id = id;
        Certificate = certificate;
        _harness = harness;
        _stateDir = Directory.CreateDirectory(stateDir).FullName;
        _preset = harness.Config.Preset;
        _roster = new PinnedRoster(harness.Config.Descriptor, harness.Ca.Certificate);
        foreach (var (other, cert) in harness.Certificates)
        {
            _roster.Admit(other, cert);
        }

        _signer = new StatementSigner(certificate);
    }

    public string Id { get; }

    public X509Certificate2 Certificate { get; }

    public TestClient Client => _harness.Client(Certificate);

    public ProtocolPreset Preset => _preset;

    public StatementSigner Signer => _signer;

    public EpochKeys Keys => _keys ?? throw new InvalidOperationException("join the key epoch first");

    /// <summary>The upload of this participant that the aggregator counted, per round (the one it approves).</summary>
    public Dictionary<ulong, EncryptedUpload> Uploads { get; } = [];

    private readonly Dictionary<Guid, EncryptedUpload> _made = [];

    // ------------------------------------------------------------------ key epoch

    public async Task<SubmitStatementResponse> CommitAsync()
    {
        _epoch ??= ParticipantKeyEpoch.Start(_preset, _roster, _signer, Id, 1);
        EpochInfo info = await Client.KeyEpoch.GetEpochInfoAsync(new GetEpochInfoRequest { EpochId = 1 });
        Assert.Equal(_roster.Descriptor.Digest.ToArray(), info.ConsortiumDigest.ToByteArray()); // a site joins only its own consortium
        return await Client.KeyEpoch.SubmitCommitAsync(new SubmitStatementRequest { EpochId = 1, Statement = ToWire(_epoch.CreateCommit()) });
    }

    public async Task RevealAndDealAsync()
    {
        StatementList commits = await Client.KeyEpoch.GetCommitsAsync(new GetStatementsRequest { EpochId = 1, WaitMillis = 10_000 });
        Assert.True(commits.Complete, $"commits incomplete, waiting for {string.Join(", ", commits.WaitingFor)}");
        _dealing = _epoch!.Deal([.. commits.Statements.Select(FromWire)]);
        await Client.KeyEpoch.SubmitRevealAsync(new SubmitStatementRequest { EpochId = 1, Statement = ToWire(_dealing.Reveal) });
        var blobs = _dealing.Blobs.Select(b => new ThresholdShareBlob { EpochId = 1, SenderId = Id, RecipientId = b.Key, Ciphertext = ByteString.CopyFrom(b.Value) }).ToList();
        UploadThresholdSharesResponse stored = await Client.KeyEpoch.UploadThresholdShares().SendAsync(ServiceHarness.Stream(blobs));
        Assert.Equal(_harness.Ids.Length - 1, stored.StoredRecipientIds.Count);
    }

    /// <summary>The signed reveal sent by <see cref="RevealAndDealAsync"/> (null before).</summary>
    public SignedStatement? SentReveal => _dealing?.Reveal;

    public async Task<AcknowledgeKeySharesResponse> CompleteAsync()
    {
        StatementList reveals = await Client.KeyEpoch.GetRevealsAsync(new GetStatementsRequest { EpochId = 1, WaitMillis = 10_000 });
        Assert.True(reveals.Complete);
        var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await foreach (ThresholdShareBlob b in Client.KeyEpoch.FetchThresholdShares(new FetchThresholdSharesRequest { EpochId = 1, WaitMillis = 10_000 }).ResponseStream.ReadAllAsync())
        {
            Assert.Equal(Id, b.RecipientId);
            blobs[b.SenderId] = b.Ciphertext.ToByteArray();
        }

        _keys = _epoch!.Complete([.. reveals.Statements.Select(FromWire)], blobs);
        return await Client.KeyEpoch.AcknowledgeKeySharesAsync(new AcknowledgeKeySharesRequest { EpochId = 1 });
    }

    // ------------------------------------------------------------------ rounds

    /// <summary>The round's parameters as this participant computes them, checked against the announcement.</summary>
    public async Task<RoundParameters> RoundAsync(ulong round)
    {
        RoundConfig cfg = await Client.Rounds.GetRoundConfigAsync(new GetRoundConfigRequest { Round = round });
        return RoundParameters.FromContract(cfg, _preset, 1, Keys.EpochSeed.Span);
    }

    /// <summary>Header, chunks and the signed commitment of a masked upload of <paramref name="update"/>.</summary>
    public async Task<List<CiphertextUploadMessage>> EncryptAsync(ulong round, float[] update, ulong weight = 1)
    {
        RoundParameters p = await RoundAsync(round);
        EncryptedUpload upload = new UpdateEncryptor(p, Keys.Secret, _signer, Id).Encrypt(update, weight, Guid.NewGuid());
        _made[upload.UploadId] = upload;
        return Messages(round, p.ParameterDigest, upload);
    }

    public static List<CiphertextUploadMessage> Messages(ulong round, byte[] parameterDigest, EncryptedUpload upload, bool withCommitment = true)
    {
        var messages = new List<CiphertextUploadMessage>
        {
            new()
            {
                Header = new UploadHeader
                {
                    Round = round, TotalChunks = (uint)upload.Chunks.Count, UploadId = ByteString.CopyFrom(upload.UploadId.ToByteArray()),
                    ParameterDigest = ByteString.CopyFrom(parameterDigest), Weight = upload.Weight, ParticipantId = upload.Commitment.ParticipantId,
                },
            },
        };
        messages.AddRange(upload.Chunks.Select((b, i) => new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = round, ChunkIndex = (uint)i, Ciphertext = ByteString.CopyFrom(b) } }));
        if (withCommitment)
        {
            messages.Add(new CiphertextUploadMessage { Commitment = ToWire(upload.SignedCommitment) });
        }

        return messages;
    }

    public async Task<UploadCiphertextsResponse> SendAsync(IEnumerable<CiphertextUploadMessage> messages)
    {
        UploadCiphertextsResponse response = await Client.Rounds.UploadCiphertexts().SendAsync(ServiceHarness.Stream(messages));
        UploadHeader header = messages.First().Header;
        if (response.Complete && _made.TryGetValue(new Guid(header.UploadId.Span), out EncryptedUpload? counted))
        {
            Uploads.TryAdd(header.Round, counted);
        }

        return response;
    }

    public async Task<UploadCiphertextsResponse> UploadAsync(ulong round, float[] update, ulong weight = 1) => await SendAsync(await EncryptAsync(round, update, weight));

    /// <summary>Waits for the approval request, decides with this participant's own policy and ledger, and submits the approval.</summary>
    public async Task<SubmitApprovalResponse> ApproveAsync(ulong round)
    {
        ApprovalRequest request = await Client.Rounds.GetApprovalRequestAsync(new GetApprovalRequestRequest { Round = round, WaitMillis = 20_000 });
        Assert.Equal(V1.RoundStage.Approving, request.Stage);
        _approval ??= new ParticipantRoundApproval(_preset, _roster, _signer, Id, Path.Combine(_stateDir, "approval"));
        RoundDecision<SignedStatement> decision = _approval.Decide(1, round, Uploads[round].Commitment, [.. request.Commitments.Select(FromWire)]);
        Assert.True(decision.IsAccepted, decision.Reason);
        return await Client.Rounds.SubmitApprovalAsync(new SubmitApprovalRequest { Round = round, Approval = ToWire(decision.Value!) });
    }

    /// <summary>Fetches the session; when this participant is in D, checks it with MemberDecryption and computes one share per chunk.</summary>
    /// <remarks>With <paramref name="claimedSet"/> the shares are made for that decryption set instead of the announced one (an adversarial test), kept in a separate ledger.</remarks>
    public async Task<List<V1.DecryptionShare>?> PrepareSharesAsync(ulong round, IReadOnlyList<string>? claimedSet = null)
    {
        V1.DecryptionSession session;
        try
        {
            session = await Client.Rounds.GetDecryptionSessionAsync(new GetDecryptionSessionRequest { Round = round, WaitMillis = 20_000 });
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied && claimedSet is null)
        {
            return null; // D was fixed without this participant
        }

        Assert.Equal(V1.RoundStage.Decrypting, session.Stage);
        IReadOnlyList<string> set = claimedSet ?? [.. session.DecryptionSet];
        if (!set.Contains(Id))
        {
            return null;
        }

        string ledger = Path.Combine(_stateDir, claimedSet is null ? "ledger" : "ledger-" + Guid.NewGuid().ToString("N"));
        var member = new MemberDecryption(_preset, _roster, Keys, new FileDecryptionLedger(ledger, _preset.Aggregation));
        RoundDecision<MemberSession> opened = member.Open(round, [.. session.Commitments.Select(FromWire)], [.. session.Approvals.Select(FromWire)], set);
        Assert.True(opened.IsAccepted, opened.Reason);
        using MemberSession s = opened.Value!;
        return [.. s.Shares().Select(x => new V1.DecryptionShare { Round = round, ChunkIndex = (uint)x.Chunk, Share = ByteString.CopyFrom(x.Share), ParticipantId = Id })];
    }

    /// <summary>Answers the decryption session if this participant is in D (null otherwise).</summary>
    public async Task<UploadDecryptionSharesResponse?> DecryptAsync(ulong round) =>
        await PrepareSharesAsync(round) is { } shares ? await Client.Rounds.UploadDecryptionShares().SendAsync(ServiceHarness.Stream(shares)) : null;

    public async Task<(GlobalModelHeader Header, float[] Values)> DownloadModelAsync(ulong version = 0)
    {
        GlobalModelHeader? header = null;
        var values = new List<float>();
        await foreach (GlobalModelMessage m in Client.Rounds.DownloadGlobalModel(new DownloadGlobalModelRequest { ModelVersion = version }).ResponseStream.ReadAllAsync())
        {
            if (m.KindCase == GlobalModelMessage.KindOneofCase.Header)
            {
                header = m.Header;
                continue;
            }

            Assert.Equal((ulong)values.Count, m.Data.Offset);
            ReadOnlySpan<byte> raw = m.Data.Data.Span;
            for (int i = 0; i + 4 <= raw.Length; i += 4)
            {
                values.Add(BinaryPrimitives.ReadSingleLittleEndian(raw[i..]));
            }
        }

        float[] result = [.. values];
        byte[] bytes = new byte[result.Length * 4];
        for (int i = 0; i < result.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), result[i]);
        }

        Assert.Equal(System.Security.Cryptography.SHA256.HashData(bytes), header!.DataDigest.ToByteArray());
        return (header, result);
    }

    public static float[] RandomUpdate(int seed)
    {
        var rng = new System.Random(seed); // test data only
        return Enumerable.Range(0, ServiceHarness.Layout.TotalLength).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.05)).ToArray();
    }

    public static V1.SignedStatement ToWire(SignedStatement s) =>
        new() { Statement = ByteString.CopyFrom(s.Statement.Span), Signature = ByteString.CopyFrom(s.Signature.Span) };

    public static SignedStatement FromWire(V1.SignedStatement s) => new(s.Statement.Span, s.Signature.Span);

    public void Dispose()
    {
        _keys?.Dispose();
        _epoch?.Dispose();
        _signer.Dispose();
        _roster.Dispose();
    }
}

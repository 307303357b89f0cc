using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Aggregator.Cluster.FrontEnd;
using SecAgg.Aggregator.Cluster.Grains;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Tests.V2;
using ProtocolStatement = SecAgg.Protocol.Statements.SignedStatement;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.Tests.FrontEnd;

/// <summary>
/// The cluster's secagg.v1.Rounds service driven as the participant pipeline drives it (the authenticated caller in the
/// call's user state), over a 3-silo in-process cluster, with the real masked uploads, approvals and set-bound shares of
/// the Protocol tests' <see cref="InProcessRound"/> sites: whole rounds, resumed uploads, and the refusals with the
/// single-process service's statuses and reasons.
/// </summary>
public sealed class ClusterRoundsServiceTests
{
    private const ulong Round = (ulong)ClusterRound.Number;

    public static TheoryData<string> Backends => Support.Backends.All;

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task AWholeRoundThroughTheServicePublishesTheClustersModelAndSaysWhomEachStageWaitsFor(string backend)
    {
        await using ClusterRound c = await ClusterRound.OpenAsync(backend, seed: 1901);
        var rig = new FrontEndRig(c.Harness, c.Consortium);
        ClusterRoundsService service = rig.Service;
        string[] ids = c.Consortium.Consortium.Ids;

        // Every site rebuilds the announced round from its own file (the participant client's check), in OPEN.
        RoundConfig config = await service.GetRoundConfig(new GetRoundConfigRequest(), FrontEndRig.As(ids[0]));
        Assert.Equal((Round, RoundStage.Open), (config.Round, config.Stage));
        Assert.Equal(c.Round.ParameterDigest, config.ParameterDigest.ToByteArray());
        Assert.All(c.Consortium.Sites, s => Assert.Equal(c.Round.ParameterDigest, s.Join(config).ParameterDigest));

        await rig.UploadWholeAsync(c.Round, c.Upload(0));
        await rig.UploadWholeAsync(c.Round, c.Upload(1));
        RoundStatus collecting = await service.GetRoundStatus(new GetRoundStatusRequest(), FrontEndRig.As(ids[0]));
        Assert.Equal((RoundStage.Collecting, 2u, 4u), (collecting.Stage, collecting.ParticipantsSubmitted, collecting.ExpectedParticipants));
        Assert.Equal(ids[2..], collecting.WaitingFor);
        await rig.UploadWholeAsync(c.Round, c.Upload(2));
        await rig.UploadWholeAsync(c.Round, c.Upload(3));

        // Everyone is in: the cluster closes collection by itself; each member of U gets U's list and approves it.
        var approvals = new List<ProtocolStatement>();
        foreach ((InProcessRound.Site site, EncryptedUpload upload) in c.Uploads)
        {
            ApprovalRequest request = await service.GetApprovalRequest(new GetApprovalRequestRequest { Round = Round, WaitMillis = 30_000 }, FrontEndRig.As(site.Id));
            Assert.Equal(RoundStage.Approving, request.Stage);
            Assert.Equal(ids, request.Commitments.Select(s => SecAgg.Protocol.Statements.Statement.Parse(FrontEndRig.FromWire(s).Statement.Span).ParticipantId));
            var decision = site.Approval.Decide(InProcessRound.EpochId, Round, upload.Commitment, [.. request.Commitments.Select(FrontEndRig.FromWire)]);
            Assert.True(decision.IsAccepted, decision.Reason);
            SubmitApprovalResponse submitted = await service.SubmitApproval(new SubmitApprovalRequest { Round = Round, Approval = FrontEndRig.ToWire(decision.Value!) }, FrontEndRig.As(site.Id));
            Assert.Equal(((uint)approvals.Count + 1, 4u), (submitted.Approvals, submitted.Needed));
            approvals.Add(decision.Value!);
            if (approvals.Count == 1)
            {
                RoundStatus approving = await service.GetRoundStatus(new GetRoundStatusRequest { Round = Round }, FrontEndRig.As(site.Id));
                Assert.Equal((RoundStage.Approving, 1u), (approving.Stage, approving.ApprovalsReceived));
                Assert.Equal(ids.Where(id => id != site.Id), approving.WaitingFor);
            }
        }

        // D is fixed; each member opens the session the service relays and answers every chunk; the outsider is refused.
        V1.DecryptionSession session = await service.GetDecryptionSession(new GetDecryptionSessionRequest { Round = Round, WaitMillis = 30_000 }, FrontEndRig.As(ids[0]));
        Assert.Equal((RoundStage.Decrypting, (uint)c.Round.TotalChunks, 3), (session.Stage, session.TotalChunks, session.DecryptionSet.Count));
        Assert.Equal(4, session.Approvals.Count);
        string outsider = ids.Single(id => !session.DecryptionSet.Contains(id));
        await FrontEndRig.RefusedAsync(() => service.GetDecryptionSession(new GetDecryptionSessionRequest { Round = Round }, FrontEndRig.As(outsider)),
            StatusCode.PermissionDenied, ErrorReason.NotInSet, "you are not in round 1's decryption set");
        await FrontEndRig.RefusedAsync(() => SendSharesAsync(service, outsider, [new byte[64]]), StatusCode.PermissionDenied, ErrorReason.NotInSet, "decryption set");
        RoundStatus decrypting = await service.GetRoundStatus(new GetRoundStatusRequest(), FrontEndRig.As(ids[0]));
        Assert.Equal(RoundStage.Decrypting, decrypting.Stage);
        Assert.Equal(session.DecryptionSet, decrypting.WaitingFor);

        // A participant's wait for publication: the status waits while the round is in the stage it knows.
        Task<RoundStatus> publication = service.GetRoundStatus(new GetRoundStatusRequest { Round = Round, WaitMillis = 60_000, KnownStage = RoundStage.Decrypting }, FrontEndRig.As(ids[0]));
        var shares = new Dictionary<string, byte[][]>();
        foreach (string member in session.DecryptionSet)
        {
            byte[][] answer = InProcessRound.Answer(c.Consortium[member], Round,
                [.. session.Commitments.Select(FrontEndRig.FromWire)], [.. session.Approvals.Select(FrontEndRig.FromWire)], [.. session.DecryptionSet]);
            UploadDecryptionSharesResponse sent = await SendSharesAsync(service, member, answer);
            Assert.True(sent.Complete, $"{member}'s shares are not complete: {sent}");
            Assert.Equal((uint)c.Round.TotalChunks, sent.AcceptedCount);
            shares[member] = answer;
        }

        // The cluster publishes by itself: the model is the initial one plus the mean of the four updates (checked against
        // the single-process fold and an independent combine of the same shares), and the download is exactly that model.
        RoundView view = await c.Driver.WaitForAsync(ClusterRound.Number, v => v.Stage != "decrypting", "published");
        Assert.Equal((RoundStage.Published, 1ul), ((await publication.WaitAsync(TimeSpan.FromSeconds(30))).Stage, (await publication).PublishedModelVersion));
        PublishedModel model = await c.CheckPublishedAsync(view.DecryptionSet, shares, 0, 1, 2, 3);
        RoundStatus published = await service.GetRoundStatus(new GetRoundStatusRequest { Round = Round }, FrontEndRig.As(ids[0]));
        Assert.Equal((RoundStage.Published, 1ul, 3u), (published.Stage, published.PublishedModelVersion, published.DecryptionSharesComplete));

        var download = new ListWriter<GlobalModelMessage>();
        await service.DownloadGlobalModel(new DownloadGlobalModelRequest(), download, FrontEndRig.As(ids[3]));
        GlobalModelHeader header = download.Written[0].Header;
        Assert.Equal((1ul, Round, 4u, (ulong)InProcessRound.Dimension), (header.ModelVersion, header.Round, header.ParticipantsCounted, header.Layout.TotalElements));
        byte[] data = [.. download.Written.Skip(1).SelectMany(m => m.Data.Data.ToByteArray())];
        Assert.Equal(model.Values, MemoryMarshal.Cast<byte, float>(data).ToArray());
        Assert.Equal(SHA256.HashData(data), header.DataDigest.ToByteArray());

        await FrontEndRig.RefusedAsync(() => service.DownloadGlobalModel(new DownloadGlobalModelRequest { ModelVersion = 2 }, new ListWriter<GlobalModelMessage>(), FrontEndRig.As(ids[0])),
            StatusCode.NotFound, ErrorReason.NotFound, "model version 2 has not been published");
    }

    [Fact]
    public async Task AnUploadWhoseStreamBrokeResumesFromWhatGetUploadProgressSaysIsHeld()
    {
        await using ClusterRound c = await ClusterRound.OpenAsync("memory", seed: 1902);
        var rig = new FrontEndRig(c.Harness, c.Consortium);
        EncryptedUpload upload = c.Upload(0);
        string me = upload.Commitment.ParticipantId;
        var progressRequest = new GetUploadProgressRequest { Round = Round, UploadId = ByteString.CopyFrom(upload.UploadId.ToByteArray()) };
        await FrontEndRig.RefusedAsync(() => rig.Service.GetUploadProgress(progressRequest, FrontEndRig.As(me)),
            StatusCode.NotFound, ErrorReason.NotFound, "start one with a new upload id");

        // The connection drops after the header and the first chunk: that chunk is held, nothing is counted.
        await Assert.ThrowsAsync<IOException>(() => rig.UploadAsync(me, FrontEndRig.Stream(c.Round, upload), breakAfter: 2));
        V1.UploadProgress progress = await rig.Service.GetUploadProgress(progressRequest, FrontEndRig.As(me));
        Assert.Equal((1u, false, false, (uint)c.Round.TotalChunks), (progress.AcceptedCount, progress.Complete, progress.CommitmentReceived, progress.TotalChunks));
        Assert.Equal(new V1.ChunkRange { First = 0, Count = 1 }, Assert.Single(progress.Accepted));

        // The resumed stream sends what is missing and the commitment: counted once; sending it all again changes nothing.
        HashSet<int> held = [.. progress.Accepted.SelectMany(r => Enumerable.Range((int)r.First, (int)r.Count))];
        UploadCiphertextsResponse resumed = await rig.UploadAsync(me, FrontEndRig.Stream(c.Round, upload, Enumerable.Range(0, c.Round.TotalChunks).Where(k => !held.Contains(k))));
        Assert.True(resumed.Complete && resumed.CommitmentReceived);
        UploadCiphertextsResponse again = await rig.UploadAsync(me, FrontEndRig.Stream(c.Round, upload));
        Assert.True(again.Complete);
        Assert.Equal((uint)c.Round.TotalChunks, (await rig.Service.GetUploadProgress(progressRequest, FrontEndRig.As(me))).AcceptedCount);
        Assert.Equal([me], (await c.Driver.Round(ClusterRound.Number).GetAsync()).Contributors);
    }

    [Fact]
    public async Task UploadsAreRefusedWithTheSingleProcessStatusesAndActionableMessages()
    {
        await using ClusterRound c = await ClusterRound.OpenAsync("memory", seed: 1903);
        var rig = new FrontEndRig(c.Harness, c.Consortium);
        EncryptedUpload mine = c.Upload(0), theirs = c.Upload(1);
        string me = mine.Commitment.ParticipantId, them = theirs.Commitment.ParticipantId;

        // The caller, not the request, decides whose upload it is: a header naming another participant is refused before
        // anything is staged, another's commitment is refused, and the chunks the caller did stage are its own (another
        // participant sees none of them).
        await FrontEndRig.RefusedAsync(() => rig.UploadAsync(me, FrontEndRig.Stream(c.Round, theirs)),
            StatusCode.PermissionDenied, ErrorReason.IdentityMismatch, $"the request names participant '{them}', but the client certificate belongs to '{me}'");
        CiphertextUploadMessage[] withTheirCommitment = [.. FrontEndRig.Stream(c.Round, mine, commit: false), new CiphertextUploadMessage { Commitment = FrontEndRig.ToWire(theirs.SignedCommitment) }];
        await FrontEndRig.RefusedAsync(() => rig.UploadAsync(me, withTheirCommitment),
            StatusCode.PermissionDenied, ErrorReason.StatementRejected, $"names participant '{them}', but the client certificate belongs to '{me}'; a participant submits only its own statements");
        var progressOfMine = new GetUploadProgressRequest { Round = Round, UploadId = ByteString.CopyFrom(mine.UploadId.ToByteArray()) };
        Assert.Equal((uint)c.Round.TotalChunks, (await rig.Service.GetUploadProgress(progressOfMine, FrontEndRig.As(me))).AcceptedCount);
        await FrontEndRig.RefusedAsync(() => rig.Service.GetUploadProgress(progressOfMine, FrontEndRig.As(them)),
            StatusCode.NotFound, ErrorReason.NotFound, "no upload with that id from you in round 1");
        Assert.Empty((await c.Driver.Round(ClusterRound.Number).GetAsync()).Contributors);

        // Wrong round, another round's parameters, chunk out of range.
        UploadHeader nextRound = FrontEndRig.Header(c.Round, mine);
        nextRound.Round = 2;
        await FrontEndRig.RefusedAsync(() => rig.UploadAsync(me, [new CiphertextUploadMessage { Header = nextRound }]),
            StatusCode.FailedPrecondition, ErrorReason.WrongRound, "round 2 is not open: round 2 has not opened yet; the next round is 1 (rounds open one after another); fetch GetRoundConfig for the current round");
        UploadHeader badDigest = FrontEndRig.Header(c.Round, mine);
        badDigest.ParameterDigest = ByteString.CopyFrom(new byte[32]);
        await FrontEndRig.RefusedAsync(() => rig.UploadAsync(me, [new CiphertextUploadMessage { Header = badDigest }]),
            StatusCode.FailedPrecondition, ErrorReason.DigestMismatch, "fetch GetRoundConfig, check it, and re-encrypt");
        CiphertextUploadMessage beyond = new() { Chunk = new CiphertextChunk { Round = Round, ChunkIndex = (uint)c.Round.TotalChunks, Ciphertext = ByteString.CopyFrom(mine.Chunks[0]) } };
        await FrontEndRig.RefusedAsync(() => rig.UploadAsync(me, [new CiphertextUploadMessage { Header = FrontEndRig.Header(c.Round, mine) }, beyond]),
            StatusCode.OutOfRange, ErrorReason.ChunkOutOfRange, $"chunk index {c.Round.TotalChunks} is outside 0..{c.Round.TotalChunks - 1}");

        // A commitment that does not match the chunks received (chunk 0 of another encryption under this upload id).
        EncryptedUpload other = c.Consortium[me].Upload(c.Round, c.Updates[2]);
        CiphertextUploadMessage[] mixed = [.. FrontEndRig.Stream(c.Round, other)];
        mixed[1] = new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = Round, ChunkIndex = 0, Ciphertext = ByteString.CopyFrom(mine.Chunks[0]) } };
        await FrontEndRig.RefusedAsync(() => rig.UploadAsync(me, mixed),
            StatusCode.InvalidArgument, ErrorReason.DigestMismatch, "Re-encrypt and upload again with a new upload id");
        Assert.Empty((await c.Driver.Round(ClusterRound.Number).GetAsync()).Contributors);

        // The first upload, resumed with its own commitment, is counted; a second, different upload for the round is
        // refused, naming the first.
        await rig.UploadWholeAsync(c.Round, mine);
        await FrontEndRig.RefusedAsync(() => rig.UploadAsync(me, FrontEndRig.Stream(c.Round, other)),
            StatusCode.AlreadyExists, ErrorReason.Duplicate, $"you already submitted upload {mine.UploadId:N} to round 1; a second, different upload for the same round is refused");
        Assert.Equal([me], (await c.Driver.Round(ClusterRound.Number).GetAsync()).Contributors);

        // Before the round approves, an approval is refused as out of stage; the empty stream is refused as out of order.
        await FrontEndRig.RefusedAsync(() => rig.Service.SubmitApproval(new SubmitApprovalRequest { Round = Round, Approval = FrontEndRig.ToWire(mine.SignedCommitment) }, FrontEndRig.As(me)),
            StatusCode.FailedPrecondition, ErrorReason.WrongStage, "approvals are accepted while it is approving");
        await FrontEndRig.RefusedAsync(() => rig.UploadAsync(me, []), StatusCode.InvalidArgument, ErrorReason.BadStreamOrder, "send an UploadHeader first");
    }

    private static Task<UploadDecryptionSharesResponse> SendSharesAsync(ClusterRoundsService service, string member, byte[][] shares) =>
        service.UploadDecryptionShares(
            new ListReader<V1.DecryptionShare>(shares.Select((s, k) => new V1.DecryptionShare { Round = Round, ChunkIndex = (uint)k, Share = ByteString.CopyFrom(s), ParticipantId = member })),
            FrontEndRig.As(member));
}

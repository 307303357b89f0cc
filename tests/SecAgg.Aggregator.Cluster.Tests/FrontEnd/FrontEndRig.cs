using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using SecAgg.Aggregator.Cluster.FrontEnd;
using SecAgg.Aggregator.Cluster.Tests.Support;
using SecAgg.Aggregator.Service;
using SecAgg.Proto.V1;
using SecAgg.Protocol;
using SecAgg.Protocol.Tests.V2;
using ProtocolStatement = SecAgg.Protocol.Statements.SignedStatement;
using V1 = SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Cluster.Tests.FrontEnd;

/// <summary>The key epoch as a test sets it: not ready (no seed) until <see cref="Seed"/> is set.</summary>
internal sealed class TestEpochReadiness : IKeyEpochReadiness
{
    public byte[]? Seed { get; set; }

    public Task<byte[]?> ReadySeedAsync(CancellationToken cancellationToken) => Task.FromResult(Seed);
}

/// <summary>
/// The cluster's Rounds service (and round openers) as a silo's DI would build them, over a test cluster's client, with a
/// test key epoch; and the calls an <see cref="InProcessRound"/> site makes through it, as its participant client would.
/// </summary>
internal sealed class FrontEndRig
{
    public FrontEndRig(ClusterHarness harness, InProcessRound consortium, bool epochReady = true)
    {
        Harness = harness;
        Consortium = consortium;
        Readiness = new TestEpochReadiness { Seed = epochReady ? consortium.EpochSeed : null };
        Book = new ClusterRoundBook(harness.Cluster.Client, harness.Consortium, Readiness, Notes);
        var approvals = new ClusterApprovalDesk(Book, harness.Consortium, NullLoggerFactory.Instance);
        Service = new ClusterRoundsService(
            Book,
            new ClusterUploadDesk(Book, harness.Cluster.Client, harness.Consortium, NullLoggerFactory.Instance),
            approvals,
            new ClusterDecryptionDesk(Book, approvals, harness.Cluster.Client, harness.Consortium),
            new ClusterModels(harness.Cluster.Client),
            harness.Consortium,
            InProcessRound.Layout);
    }

    public ClusterHarness Harness { get; }

    public InProcessRound Consortium { get; }

    public TestEpochReadiness Readiness { get; }

    public OpeningNotes Notes { get; } = new();

    public ClusterRoundBook Book { get; }

    public ClusterRoundsService Service { get; }

    /// <summary>A silo's round opener (its own book, as on another silo), trying every 100 ms when run.</summary>
    public ClusterRoundOpener Opener(float[]? initialModel = null) => new(
        new ClusterRoundBook(Harness.Cluster.Client, Harness.Consortium, Readiness, Notes), Harness.Cluster.Client, Harness.Consortium, InProcessRound.Layout,
        Readiness, Notes, new ClusterRoundsSettings(initialModel, TimeSpan.FromMilliseconds(100)), NullLogger<ClusterRoundOpener>.Instance);

    public static TestCallContext As(string caller) => new(caller);

    /// <summary>The upload header the participant client sends for <paramref name="upload"/>.</summary>
    public static UploadHeader Header(RoundParameters round, EncryptedUpload upload, string? participant = null) => new()
    {
        Round = round.Round,
        TotalChunks = (uint)upload.Chunks.Count,
        UploadId = ByteString.CopyFrom(upload.UploadId.ToByteArray()),
        ParameterDigest = ByteString.CopyFrom(round.ParameterDigest),
        Weight = upload.Weight,
        ParticipantId = participant ?? upload.Commitment.ParticipantId,
    };

    /// <summary>The header, the chunks <paramref name="chunks"/> (all by default) and, when <paramref name="commit"/>, the signed commitment.</summary>
    public static IEnumerable<CiphertextUploadMessage> Stream(RoundParameters round, EncryptedUpload upload, IEnumerable<int>? chunks = null, bool commit = true, UploadHeader? header = null)
    {
        yield return new CiphertextUploadMessage { Header = header ?? Header(round, upload) };
        foreach (int k in chunks ?? Enumerable.Range(0, upload.Chunks.Count))
        {
            yield return new CiphertextUploadMessage { Chunk = new CiphertextChunk { Round = round.Round, ChunkIndex = (uint)k, Ciphertext = ByteString.CopyFrom(upload.Chunks[k]) } };
        }

        if (commit)
        {
            yield return new CiphertextUploadMessage { Commitment = ToWire(upload.SignedCommitment) };
        }
    }

    /// <summary>Streams <paramref name="messages"/> as <paramref name="caller"/>.</summary>
    public Task<UploadCiphertextsResponse> UploadAsync(string caller, IEnumerable<CiphertextUploadMessage> messages, int? breakAfter = null) =>
        Service.UploadCiphertexts(new ListReader<CiphertextUploadMessage>(messages, breakAfter), As(caller));

    /// <summary>The whole upload of <paramref name="upload"/> by its own site; it must be complete.</summary>
    public async Task UploadWholeAsync(RoundParameters round, EncryptedUpload upload)
    {
        UploadCiphertextsResponse response = await UploadAsync(upload.Commitment.ParticipantId, Stream(round, upload));
        Assert.True(response.Complete && response.CommitmentReceived, $"the upload of {upload.Commitment.ParticipantId} is not complete: {response}");
        Assert.Equal((uint)upload.Chunks.Count, response.AcceptedCount);
    }

    public static V1.SignedStatement ToWire(ProtocolStatement s) =>
        new() { Statement = ByteString.CopyFrom(s.Statement.Span), Signature = ByteString.CopyFrom(s.Signature.Span) };

    public static ProtocolStatement FromWire(V1.SignedStatement s) => new(s.Statement.Span, s.Signature.Span);

    /// <summary>The call must be refused with <paramref name="code"/> and <paramref name="reason"/>, its message containing <paramref name="says"/>.</summary>
    public static async Task<RefusalException> RefusedAsync(Func<Task> call, StatusCode code, ErrorReason reason, string says)
    {
        RefusalException e = await Assert.ThrowsAsync<RefusalException>(call);
        Assert.True((code, reason) == (e.Code, e.Reason), $"expected {code}/{reason}, got {e.Code}/{e.Reason}: {e.Message}");
        Assert.Contains(says, e.Message, StringComparison.Ordinal);
        return e;
    }
}

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using SecAgg.Participant.Client;

namespace SecAgg.Interop.Tests.Interop;

/// <summary>Our client (Grpc.Net.Client; the participant's <see cref="AggregatorChannel"/> for mutual TLS) against Debian's python3-grpcio server.</summary>
public sealed class OurClientToPythonServerTests(PythonServerFixture fixture) : IClassFixture<PythonServerFixture>
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static DateTime Deadline => DateTime.UtcNow + Generous;

    [PythonInteropFact]
    public async Task UnaryCallEchoesTextAndMetadataAndReadsTrailers()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        var headers = new Metadata { { "x-tag", "abc" }, { "x-blob-bin", new byte[] { 0x00, 0xfe, 0xff } } };
        using AsyncUnaryCall<EchoReply> call = new Interop.InteropClient(channel).EchoAsync(new EchoRequest { Text = "héllo ✓", Data = ByteString.CopyFrom(1, 2, 255) }, headers, Deadline);
        EchoReply reply = await call;
        Assert.Equal("héllo ✓", reply.Text);
        Assert.Equal(new byte[] { 1, 2, 255 }, reply.Data.ToByteArray());
        Assert.Equal("abc", reply.MetadataTag);
        Assert.Equal(new byte[] { 0x00, 0xfe, 0xff }, reply.MetadataBlob.ToByteArray());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("done", call.GetTrailers().GetValue("x-trailer"));
    }

    [PythonInteropFact]
    public async Task GzipCompressedRequestIsAccepted()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        var compress = new Metadata { { "grpc-internal-encoding-request", "gzip" } };
        EchoReply reply = await new Interop.InteropClient(channel).EchoAsync(new EchoRequest { Text = new string('z', 10000) }, compress, Deadline);
        Assert.Equal(10000, reply.Text.Length);
    }

    [PythonInteropFact]
    public async Task ClientStreamOf64MiBArrivesComplete()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        using AsyncClientStreamingCall<Chunk, UploadSummary> call = new Interop.InteropClient(channel).Upload(deadline: Deadline);
        byte[] data = new byte[1 << 20];
        for (uint i = 0; i < 64; i++)
        {
            Array.Fill(data, (byte)(i % 256));
            await call.RequestStream.WriteAsync(new Chunk { Index = i, Data = ByteString.CopyFrom(data) });
        }

        await call.RequestStream.CompleteAsync();
        UploadSummary summary = await call;
        Assert.Equal(64u, summary.Count);
        Assert.Equal(64UL << 20, summary.TotalBytes);
        Assert.Equal(PythonClientToOurServerTests.ExpectedSha256(64, 1 << 20), Convert.ToHexStringLower(summary.Sha256.ToByteArray()));
    }

    [PythonInteropFact]
    public async Task ServerStreamArrivesCompleteAndInOrder()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        using AsyncServerStreamingCall<Chunk> call = new Interop.InteropClient(channel).Download(new DownloadRequest { Count = 16, ChunkSize = 1 << 20 }, deadline: Deadline);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        uint expected = 0;
        while (await call.ResponseStream.MoveNext())
        {
            Assert.Equal(expected++, call.ResponseStream.Current.Index);
            hash.AppendData(call.ResponseStream.Current.Data.Span);
        }

        Assert.Equal(16u, expected);
        Assert.Equal(PythonClientToOurServerTests.ExpectedSha256(16, 1 << 20), Convert.ToHexStringLower(hash.GetHashAndReset()));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [PythonInteropFact]
    public async Task BidirectionalStreamAnswersEachMessageBeforeTheNextIsSent()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        using AsyncDuplexStreamingCall<EchoRequest, EchoReply> call = new Interop.InteropClient(channel).Chat(deadline: Deadline);
        for (int i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Text = $"m{i}" });
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal($"echo:m{i}", call.ResponseStream.Current.Text);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [PythonInteropFact]
    public async Task ErrorStatusWithNonAsciiMessageArrivesIntact()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new Interop.InteropClient(channel).EchoAsync(
            new EchoRequest { FailCode = (int)StatusCode.PermissionDenied, FailMessage = "Accès refusé: ünïcødé ✓ 100%" }, deadline: Deadline));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("Accès refusé: ünïcødé ✓ 100%", e.Status.Detail);
    }

    [PythonInteropFact]
    public async Task DeadlineExceededEndsTheCallOnBothSides()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        var client = new Interop.InteropClient(channel);
        using AsyncServerStreamingCall<EchoReply> call = client.Hang(new EchoRequest { Text = "cs-deadline" }, deadline: DateTime.UtcNow.AddSeconds(1));
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        HangReport report = await client.HowDidHangEndAsync(new EchoRequest { Text = "cs-deadline" }, deadline: Deadline);
        Assert.True(report.Ended, "the Python handler never saw the call end");
        Assert.True(report.DeadlineExceeded, "the Python server did not see the grpc-timeout deadline");
    }

    [PythonInteropFact]
    public async Task CancellationResetsTheStreamAndThePythonHandlerSeesIt()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        var client = new Interop.InteropClient(channel);
        using var cts = new CancellationTokenSource();
        using AsyncServerStreamingCall<EchoReply> call = client.Hang(new EchoRequest { Text = "cs-cancel" }, deadline: Deadline, cancellationToken: cts.Token);
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal("started", call.ResponseStream.Current.Text);
        await cts.CancelAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        HangReport report = await client.HowDidHangEndAsync(new EchoRequest { Text = "cs-cancel" }, deadline: Deadline);
        Assert.True(report.Ended, "the Python handler never saw the cancellation");
        Assert.True(report.Cancelled);
    }

    [PythonInteropFact]
    public async Task ResponseLargerThanTheReceiveLimitIsResourceExhausted()
    {
        using GrpcChannel channel = GrpcChannel.ForAddress(fixture.CleartextAddress, new GrpcChannelOptions { MaxReceiveMessageSize = 1 << 20 });
        using AsyncServerStreamingCall<Chunk> call = new Interop.InteropClient(channel).Download(new DownloadRequest { Count = 1, ChunkSize = 2 << 20 }, deadline: Deadline);
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [PythonInteropFact]
    public async Task MutualTlsWithConsortiumCertificateIsAcceptedAndIdentified()
    {
        using var channel = AggregatorChannel.Create(fixture.MutualTlsAddress, fixture.Pki.Client, fixture.Pki.Ca.Certificate);
        EchoReply reply = await new Interop.InteropClient(channel.CallInvoker).EchoAsync(new EchoRequest { Text = "tls" });
        Assert.Equal("tls", reply.Text);
        Assert.Equal("hospital-a", reply.PeerCommonName);
    }

    [PythonInteropFact]
    public async Task MutualTlsWithoutClientCertificateIsRefusedAndSaysSo() =>
        Assert.Contains("none was given", await RefusalAsync(null, fixture.Pki.Ca.Certificate), StringComparison.Ordinal);

    [PythonInteropFact]
    public async Task MutualTlsWithCertificateFromAnotherCaIsRefusedAndSaysSo() =>
        Assert.Contains("refuses a client certificate", await RefusalAsync(fixture.Pki.ForeignClient, fixture.Pki.Ca.Certificate), StringComparison.Ordinal);

    [PythonInteropFact]
    public async Task ServerCertificateFromAnotherCaIsRejectedByOurClient() =>
        Assert.Contains("not valid for this consortium", await RefusalAsync(fixture.Pki.Client, fixture.Pki.ForeignCa.Certificate), StringComparison.Ordinal);

    /// <summary>Calls the mutual-TLS server with this certificate and trust anchor; asserts UNAVAILABLE and returns the reason our channel gives.</summary>
    private async Task<string> RefusalAsync(X509Certificate2? certificate, X509Certificate2 ca)
    {
        using var channel = AggregatorChannel.Create(fixture.MutualTlsAddress, certificate, ca);
        var e = await Assert.ThrowsAsync<RpcException>(async () => await new Interop.InteropClient(channel.CallInvoker).EchoAsync(new EchoRequest { Text = "tls" }));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        return AggregatorUnreachableException.From(e)?.Message ?? "";
    }
}

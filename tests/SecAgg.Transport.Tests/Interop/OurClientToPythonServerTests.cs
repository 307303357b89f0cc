using System.Security.Cryptography;
using Google.Protobuf;

namespace SecAgg.Transport.Tests.Interop;

/// <summary>Our HttpClient-based client against Debian's python3-grpcio server.</summary>
public sealed class OurClientToPythonServerTests(PythonServerFixture fixture) : IClassFixture<PythonServerFixture>
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [PythonInteropFact]
    public async Task UnaryCallEchoesTextAndMetadataAndReadsTrailers()
    {
        using var channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        var client = new GrpcClient(channel, Generous);
        var headers = new Metadata().Add("x-tag", "abc").Add("x-blob-bin", [0x00, 0xfe, 0xff]);
        using AsyncUnaryCall<EchoReply> call = client.Unary(InteropMethods.Echo, new EchoRequest { Text = "héllo ✓", Data = ByteString.CopyFrom(1, 2, 255) }, new CallOptions { Headers = headers });
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
        using var channel = GrpcChannel.ForAddress(fixture.CleartextAddress, new GrpcChannelOptions { RequestCompression = "gzip" });
        EchoReply reply = await new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { Text = new string('z', 10000) });
        Assert.Equal(10000, reply.Text.Length);
    }

    [PythonInteropFact]
    public async Task ClientStreamOf64MiBArrivesComplete()
    {
        using var channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        using AsyncClientStreamingCall<Chunk, UploadSummary> call = new GrpcClient(channel, Generous).ClientStreaming(InteropMethods.Upload);
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
        using var channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        using AsyncServerStreamingCall<Chunk> call = new GrpcClient(channel, Generous).ServerStreaming(InteropMethods.Download, new DownloadRequest { Count = 16, ChunkSize = 1 << 20 });
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
        using var channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        using AsyncDuplexStreamingCall<EchoRequest, EchoReply> call = new GrpcClient(channel, Generous).DuplexStreaming(InteropMethods.Chat);
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
        using var channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { FailCode = (int)StatusCode.PermissionDenied, FailMessage = "Accès refusé: ünïcødé ✓ 100%" }));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("Accès refusé: ünïcødé ✓ 100%", e.Status.Detail);
    }

    [PythonInteropFact]
    public async Task DeadlineExceededEndsTheCallOnBothSides()
    {
        using var channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        var client = new GrpcClient(channel, Generous);
        using AsyncServerStreamingCall<EchoReply> call = client.ServerStreaming(InteropMethods.Hang, new EchoRequest { Text = "cs-deadline" }, new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(1) });
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        HangReport report = await client.CallAsync(InteropMethods.HowDidHangEnd, new EchoRequest { Text = "cs-deadline" });
        Assert.True(report.Ended, "the Python handler never saw the call end");
        Assert.True(report.DeadlineExceeded, "the Python server did not see the grpc-timeout deadline");
    }

    [PythonInteropFact]
    public async Task CancellationResetsTheStreamAndThePythonHandlerSeesIt()
    {
        using var channel = GrpcChannel.ForAddress(fixture.CleartextAddress);
        var client = new GrpcClient(channel, Generous);
        using var cts = new CancellationTokenSource();
        using AsyncServerStreamingCall<EchoReply> call = client.ServerStreaming(InteropMethods.Hang, new EchoRequest { Text = "cs-cancel" }, new CallOptions { CancellationToken = cts.Token });
        Assert.True(await call.ResponseStream.MoveNext());
        Assert.Equal("started", call.ResponseStream.Current.Text);
        cts.Cancel();
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        HangReport report = await client.CallAsync(InteropMethods.HowDidHangEnd, new EchoRequest { Text = "cs-cancel" });
        Assert.True(report.Ended, "the Python handler never saw the cancellation");
        Assert.True(report.Cancelled);
    }

    [PythonInteropFact]
    public async Task ResponseLargerThanTheReceiveLimitIsResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(fixture.CleartextAddress, new GrpcChannelOptions { MaxReceiveMessageSize = 1 << 20 });
        using AsyncServerStreamingCall<Chunk> call = new GrpcClient(channel, Generous).ServerStreaming(InteropMethods.Download, new DownloadRequest { Count = 1, ChunkSize = 2 << 20 });
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [PythonInteropFact]
    public async Task MutualTlsWithConsortiumCertificateIsAcceptedAndIdentified()
    {
        using var channel = GrpcChannel.ForAddress(fixture.MutualTlsAddress, new GrpcChannelOptions { ClientCertificate = fixture.Pki.Client, ServerCertificateAuthority = fixture.Pki.Ca.Certificate });
        EchoReply reply = await new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { Text = "tls" });
        Assert.Equal("tls", reply.Text);
        Assert.Equal("hospital-a", reply.PeerCommonName);
    }

    [PythonInteropFact]
    public async Task MutualTlsWithoutClientCertificateIsRefused()
    {
        using var channel = GrpcChannel.ForAddress(fixture.MutualTlsAddress, new GrpcChannelOptions { ServerCertificateAuthority = fixture.Pki.Ca.Certificate });
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { Text = "tls" }));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [PythonInteropFact]
    public async Task MutualTlsWithCertificateFromAnotherCaIsRefused()
    {
        using var channel = GrpcChannel.ForAddress(fixture.MutualTlsAddress, new GrpcChannelOptions { ClientCertificate = fixture.Pki.ForeignClient, ServerCertificateAuthority = fixture.Pki.Ca.Certificate });
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { Text = "tls" }));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [PythonInteropFact]
    public async Task ServerCertificateFromAnotherCaIsRejectedByOurClient()
    {
        using var channel = GrpcChannel.ForAddress(fixture.MutualTlsAddress, new GrpcChannelOptions { ClientCertificate = fixture.Pki.Client, ServerCertificateAuthority = fixture.Pki.ForeignCa.Certificate });
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { Text = "tls" }));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }
}

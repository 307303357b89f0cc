using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using SecAgg.Transport.Tests.Interop;

namespace SecAgg.Transport.Tests.Loopback;

public sealed class LoopbackTests(LoopbackFixture fixture) : IClassFixture<LoopbackFixture>
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    public static TheoryData<StatusCode> ErrorCodes => new(Enum.GetValues<StatusCode>().Where(c => c != StatusCode.OK));

    [Theory]
    [MemberData(nameof(ErrorCodes))]
    public async Task EveryErrorStatusCodeRoundTripsWithItsMessage(StatusCode code)
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address);
        string message = $"échec {code} — 100% \r\n ✓";
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { FailCode = (int)code, FailMessage = message }));
        Assert.Equal(code, e.StatusCode);
        Assert.Equal(message, e.Status.Detail);
    }

    [Fact]
    public async Task ErrorBeforeAnyMessageIsSentAsTrailersOnly()
    {
        using HttpClient http = RawClient();
        using HttpResponseMessage response = await http.SendAsync(RawRequest("/secagg.interop.v1.Interop/Echo", Frame(new EchoRequest { FailCode = 9, FailMessage = "état" })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("9", response.Headers.GetValues("grpc-status").Single());
        Assert.Equal("%C3%A9tat", response.Headers.GetValues("grpc-message").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.False(response.TrailingHeaders.Contains("grpc-status"));
    }

    [Fact]
    public async Task UnknownGrpcEncodingIsUnimplementedAndAdvertisesSupportedEncodings()
    {
        using HttpClient http = RawClient();
        HttpRequestMessage request = RawRequest("/secagg.interop.v1.Interop/Echo", Frame(new EchoRequest { Text = "x" }));
        request.Headers.TryAddWithoutValidation("grpc-encoding", "snappy");
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal("12", response.Headers.GetValues("grpc-status").Single());
        Assert.Contains("gzip", response.Headers.GetValues("grpc-accept-encoding").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownMethodIsUnimplemented()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address);
        var missing = new Method<EchoRequest, EchoReply>(MethodType.Unary, "secagg.interop.v1.Interop", "Missing", EchoRequest.Parser, EchoReply.Parser);
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(missing, new EchoRequest()));
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
    }

    [Fact]
    public async Task TwoMessagesOnAUnaryMethodAreRejected()
    {
        using HttpClient http = RawClient();
        byte[] one = Frame(new EchoRequest { Text = "a" });
        using HttpResponseMessage response = await http.SendAsync(RawRequest("/secagg.interop.v1.Interop/Echo", [.. one, .. one]));
        await response.Content.ReadAsByteArrayAsync();
        string status = response.Headers.TryGetValues("grpc-status", out var h) ? h.Single() : response.TrailingHeaders.GetValues("grpc-status").Single();
        Assert.Equal(((int)StatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture), status);
    }

    [Fact]
    public async Task RequestMessageAboveTheServerLimitIsResourceExhausted()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address);
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { Data = ByteString.CopyFrom(new byte[(1 << 20) + 1]) }));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task RequestMessageAboveTheClientSendLimitFailsWithoutBeingSent()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address, new GrpcChannelOptions { MaxSendMessageSize = 1000 });
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { Data = ByteString.CopyFrom(new byte[2000]) }));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task GzipInBothDirectionsRoundTripsAndTheServerCompressesResponses()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address, new GrpcChannelOptions { RequestCompression = "gzip" });
        EchoReply reply = await new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest { Text = new string('q', 100_000) });
        Assert.Equal(100_000, reply.Text.Length);

        using HttpClient http = RawClient();
        HttpRequestMessage request = RawRequest("/secagg.interop.v1.Interop/Echo", Frame(new EchoRequest { Text = new string('q', 100_000) }));
        request.Headers.TryAddWithoutValidation("grpc-accept-encoding", "identity,gzip");
        using HttpResponseMessage response = await http.SendAsync(request);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("gzip", response.Headers.GetValues("grpc-encoding").Single());
        Assert.Equal(1, body[0]);
        Assert.True(BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1)) < 10_000, "a 100 kB run of one letter should compress well");
    }

    [Fact]
    public async Task HandlerExceptionIsUnknownWithoutLeakingItsMessage()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address);
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(LoopbackMethods.Throw, new EchoRequest()));
        Assert.Equal(StatusCode.Unknown, e.StatusCode);
        Assert.DoesNotContain("secret", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponseHeadersAndDeadlineReachTheOtherSide()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address);
        using AsyncUnaryCall<EchoReply> call = new GrpcClient(channel, Generous).Unary(LoopbackMethods.Headers, new EchoRequest());
        Metadata headers = await call.ResponseHeadersAsync;
        EchoReply reply = await call;
        Assert.Equal("yes", headers.GetValue("x-early"));
        Assert.Equal(new byte[] { 1, 2, 3 }, headers.GetValueBytes("x-early-bin"));
        Assert.Equal("deadline", reply.MetadataTag);
    }

    [Fact]
    public async Task OurDeadlineCancelsOurHandlerAndFailsTheCall()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address);
        using AsyncServerStreamingCall<EchoReply> call = new GrpcClient(channel).ServerStreaming(InteropMethods.Hang, new EchoRequest { Text = "loop-deadline" }, new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(1) });
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext())
            {
            }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        HangReport report = await fixture.Service.WaitForHangAsync("loop-deadline");
        Assert.True(report.Ended && report.DeadlineExceeded);
    }

    [Fact]
    public async Task DeadlineAlreadyPassedFailsWithoutACall()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address);
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel).CallAsync(InteropMethods.Echo, new EchoRequest(), new CallOptions { Deadline = DateTime.UtcNow.AddSeconds(-1) }));
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
    }

    [Fact]
    public async Task DisposingAStreamingCallCancelsOurHandler()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address);
        AsyncServerStreamingCall<EchoReply> call = new GrpcClient(channel, Generous).ServerStreaming(InteropMethods.Hang, new EchoRequest { Text = "loop-dispose" });
        Assert.True(await call.ResponseStream.MoveNext());
        call.Dispose();
        HangReport report = await fixture.Service.WaitForHangAsync("loop-dispose");
        Assert.True(report.Ended && report.Cancelled);
    }

    [Fact]
    public async Task LargeUploadPassesThroughSmallFlowControlWindows()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Server.Address, new GrpcChannelOptions { InitialStreamWindowSize = 65535, KeepAlivePingDelay = TimeSpan.FromSeconds(5) });
        using AsyncClientStreamingCall<Chunk, UploadSummary> call = new GrpcClient(channel, Generous).ClientStreaming(InteropMethods.Upload);
        byte[] data = new byte[512 * 1024];
        for (uint i = 0; i < 16; i++)
        {
            Array.Fill(data, (byte)(i % 256));
            await call.RequestStream.WriteAsync(new Chunk { Index = i, Data = ByteString.CopyFrom(data) });
        }

        await call.RequestStream.CompleteAsync();
        UploadSummary summary = await call;
        Assert.Equal(16u, summary.Count);
        Assert.Equal(PythonClientToOurServerTests.ExpectedSha256(16, 512 * 1024), Convert.ToHexStringLower(summary.Sha256.ToByteArray()));
    }

    [Fact]
    public async Task ServerSeesTheParticipantIdOfTheClientCertificate()
    {
        using var channel = GrpcChannel.ForAddress(fixture.MutualTls.Address, new GrpcChannelOptions { ClientCertificate = fixture.Pki.Client, ServerCertificateAuthority = fixture.Pki.Ca.Certificate });
        EchoReply reply = await new GrpcClient(channel, Generous).CallAsync(LoopbackMethods.Headers, new EchoRequest());
        Assert.Equal("hospital-a", reply.Text);
    }

    [Fact]
    public async Task ClientWithoutCertificateIsRefusedByOurMutualTlsServer()
    {
        using var channel = GrpcChannel.ForAddress(fixture.MutualTls.Address, new GrpcChannelOptions { ServerCertificateAuthority = fixture.Pki.Ca.Certificate });
        var e = await Assert.ThrowsAsync<RpcException>(() => new GrpcClient(channel, Generous).CallAsync(InteropMethods.Echo, new EchoRequest()));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [Fact]
    public async Task NonGrpcRequestIsNotAnsweredAsGrpc()
    {
        using HttpClient http = RawClient();
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Server.Address, "/secagg.interop.v1.Interop/Echo")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new ByteArrayContent([1, 2, 3]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private static HttpClient RawClient() => new(new SocketsHttpHandler())
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = Generous,
    };

    private HttpRequestMessage RawRequest(string path, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Server.Address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        return request;
    }

    private static byte[] Frame(IMessage message)
    {
        byte[] payload = message.ToByteArray();
        byte[] frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }
}

using Grpc.Core;
using SecAgg.Aggregator.Tests.Support;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Tests.Service;

/// <summary>
/// Bytes that are not the protobuf message an rpc expects, sent with correct gRPC framing over mutual TLS (raw-byte
/// marshallers on the generated channel): INVALID_ARGUMENT with a message that says what to send, not UNKNOWN or
/// INTERNAL, for unary, server-streaming and client-streaming rpcs alike; the service keeps serving.
/// </summary>
public sealed class UnparsableRequestTests
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    private static Method<byte[], byte[]> RawMethod(MethodType type, string service, string name) => new(type, service, name, Raw, Raw);

    public static TheoryData<byte[]> Garbage => new()
    {
        { new byte[] { 0x00 } },                         // field number 0: an invalid tag
        { new byte[] { 0x0A, 0xFF, 0xFF, 0xFF } },       // a length-delimited field whose length runs past the end
        { new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 } }, // a varint longer than 10 bytes
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task GarbageOnAUnaryCallIsInvalidArgumentWithAMessageThatSaysWhatToSend(byte[] garbage)
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();
        using var channel = TestChannel.Create(h.Address, h.Certificates[h.Ids[0]], h.Ca.Certificate);

        RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument,
            () => channel.CreateCallInvoker().AsyncUnaryCall(RawMethod(MethodType.Unary, "secagg.v1.Rounds", "GetRoundStatus"), null, new CallOptions(), garbage).ResponseAsync);
        Assert.StartsWith("the request to secagg.v1.Rounds/GetRoundStatus is not a valid GetRoundStatusRequest message (", e.Status.Detail, StringComparison.Ordinal);
        Assert.EndsWith("send the message as the secagg.v1 contract (proto/secagg/v1) defines it, serialized by a protobuf library", e.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(ErrorReason.Malformed, ErrorDetail.Parser.ParseFrom(e.Trailers.GetValueBytes(WireKeys.ErrorDetailTrailer)).Reason);
        Assert.Contains(h.Logs, l => l.Contains("[204]", StringComparison.Ordinal) && l.Contains("GetRoundStatus refused for (unparsed request): InvalidArgument (Malformed)", StringComparison.Ordinal));

        // The same channel's well-formed call is answered as usual.
        Assert.NotEmpty((await h.Client(h.Certificates[h.Ids[0]]).Rounds.GetRoundStatusAsync(new GetRoundStatusRequest())).NotOpenReason);
    }

    [Fact]
    public async Task GarbageOnStreamingCallsIsInvalidArgumentToo()
    {
        await using ServiceHarness h = await ServiceHarness.CreateAsync("sqlite");
        await h.StartAsync();
        using var channel = TestChannel.Create(h.Address, h.Certificates[h.Ids[0]], h.Ca.Certificate);
        byte[] garbage = [0x0A, 0xFF, 0xFF, 0xFF];

        // Server streaming: the one request is parsed before the handler, like a unary one.
        using AsyncServerStreamingCall<byte[]> fetch = channel.CreateCallInvoker().AsyncServerStreamingCall(
            RawMethod(MethodType.ServerStreaming, "secagg.v1.KeyEpoch", "FetchThresholdShares"), null, new CallOptions(), garbage);
        RpcException e = await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => fetch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains("is not a valid FetchThresholdSharesRequest message", e.Status.Detail, StringComparison.Ordinal);

        // Client streaming: a garbage message in the stream.
        using AsyncClientStreamingCall<byte[], byte[]> upload = channel.CreateCallInvoker().AsyncClientStreamingCall(
            RawMethod(MethodType.ClientStreaming, "secagg.v1.Rounds", "UploadCiphertexts"), null, new CallOptions());
        try
        {
            await upload.RequestStream.WriteAsync(garbage);
            await upload.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // the server may end the call before the stream is complete; its status is read below
        }

        e = await ServiceHarness.AssertStatusAsync(StatusCode.InvalidArgument, () => upload.ResponseAsync);
        Assert.Contains("is not a valid CiphertextUploadMessage message", e.Status.Detail, StringComparison.Ordinal);
    }
}

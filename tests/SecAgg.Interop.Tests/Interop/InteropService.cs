using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using SecAgg.Security;

namespace SecAgg.Interop.Tests.Interop;

/// <summary>Our implementation of the test service (mirror of the Python servicer), on ASP.NET Core gRPC.</summary>
internal sealed class InteropService : Interop.InteropBase
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<HangReport>> _hangs = new();

    /// <summary>How the Hang call tagged <paramref name="tag"/> ended (waits up to 20 s).</summary>
    public async Task<HangReport> WaitForHangAsync(string tag)
    {
        TaskCompletionSource<HangReport> tcs = HangOf(tag);
        try
        {
            return await tcs.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            return new HangReport { Ended = false };
        }
    }

    private TaskCompletionSource<HangReport> HangOf(string tag) => _hangs.GetOrAdd(tag, _ => new TaskCompletionSource<HangReport>(TaskCreationOptions.RunContinuationsAsynchronously));

    public override Task<EchoReply> Echo(EchoRequest request, ServerCallContext context)
    {
        if (request.FailCode != 0)
        {
            throw new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage));
        }

        context.ResponseTrailers.Add("x-trailer", "done");
        return Task.FromResult(new EchoReply
        {
            Text = request.Text,
            Data = request.Data,
            PeerCommonName = context.GetHttpContext().Connection.ClientCertificate is { } c ? PeerIdentity.FromCertificate(c).CommonName ?? "" : "",
            MetadataTag = context.RequestHeaders.GetValue("x-tag") ?? "",
            MetadataBlob = ByteString.CopyFrom(context.RequestHeaders.GetValueBytes("x-blob-bin") ?? []),
        });
    }

    public override async Task<UploadSummary> Upload(IAsyncStreamReader<Chunk> requests, ServerCallContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        uint count = 0;
        ulong total = 0;
        while (await requests.MoveNext())
        {
            hash.AppendData(requests.Current.Data.Span);
            count++;
            total += (ulong)requests.Current.Data.Length;
        }

        return new UploadSummary { Count = count, TotalBytes = total, Sha256 = ByteString.CopyFrom(hash.GetHashAndReset()) };
    }

    public override async Task Download(DownloadRequest request, IServerStreamWriter<Chunk> responses, ServerCallContext context)
    {
        for (uint i = 0; i < request.Count; i++)
        {
            byte[] data = new byte[request.ChunkSize];
            Array.Fill(data, (byte)(i % 256));
            await responses.WriteAsync(new Chunk { Index = i, Data = ByteString.CopyFrom(data) });
        }
    }

    public override async Task Chat(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        while (await requests.MoveNext())
        {
            await responses.WriteAsync(new EchoReply { Text = "echo:" + requests.Current.Text });
        }
    }

    public override async Task Hang(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        TaskCompletionSource<HangReport> report = HangOf(request.Text);
        DateTime start = DateTime.UtcNow;
        await responses.WriteAsync(new EchoReply { Text = "started" });
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            // A client's deadline fires on its own clock, so its RST_STREAM may beat our timer by the
            // trip here (long on a loaded machine): "ended by the deadline" is therefore "cancelled while
            // a short grpc-timeout (< 5 s) was in force"; the tests' cancellations run under 60 s deadlines.
            bool deadline = context.Deadline != DateTime.MaxValue && context.Deadline - start < TimeSpan.FromSeconds(5);
            report.TrySetResult(new HangReport { Ended = true, DeadlineExceeded = deadline, Cancelled = !deadline });
            throw;
        }
    }

    public override async Task<HangReport> HowDidHangEnd(EchoRequest request, ServerCallContext context) => await WaitForHangAsync(request.Text);
}

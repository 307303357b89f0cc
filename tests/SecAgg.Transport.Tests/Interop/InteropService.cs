using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf;

namespace SecAgg.Transport.Tests.Interop;

/// <summary>Our implementation of the test service (mirror of the Python servicer).</summary>
internal sealed class InteropService
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<HangReport>> _hangs = new();

    public GrpcServiceRegistry CreateRegistry()
    {
        var registry = new GrpcServiceRegistry();
        registry.AddUnary(InteropMethods.Echo, EchoAsync);
        registry.AddClientStreaming(InteropMethods.Upload, UploadAsync);
        registry.AddServerStreaming(InteropMethods.Download, DownloadAsync);
        registry.AddDuplexStreaming(InteropMethods.Chat, ChatAsync);
        registry.AddServerStreaming(InteropMethods.Hang, HangAsync);
        registry.AddUnary(InteropMethods.HowDidHangEnd, HowDidHangEndAsync);
        registry.EnsureComplete(InteropMethods.Descriptor);
        return registry;
    }

    /// <summary>How the Hang call tagged <paramref name="tag"/> ended (waits up to 20 s).</summary>
    public async Task<HangReport> WaitForHangAsync(string tag)
    {
        TaskCompletionSource<HangReport> tcs = Hang(tag);
        try
        {
            return await tcs.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            return new HangReport { Ended = false };
        }
    }

    private TaskCompletionSource<HangReport> Hang(string tag) => _hangs.GetOrAdd(tag, _ => new TaskCompletionSource<HangReport>(TaskCreationOptions.RunContinuationsAsynchronously));

    private static Task<EchoReply> EchoAsync(EchoRequest request, ServerCallContext context)
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
            PeerCommonName = context.PeerIdentity?.CommonName ?? "",
            MetadataTag = context.RequestHeaders.GetValue("x-tag") ?? "",
            MetadataBlob = ByteString.CopyFrom(context.RequestHeaders.GetValueBytes("x-blob-bin") ?? []),
        });
    }

    private static async Task<UploadSummary> UploadAsync(IAsyncStreamReader<Chunk> requests, ServerCallContext context)
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

    private static async Task DownloadAsync(DownloadRequest request, IServerStreamWriter<Chunk> responses, ServerCallContext context)
    {
        for (uint i = 0; i < request.Count; i++)
        {
            byte[] data = new byte[request.ChunkSize];
            Array.Fill(data, (byte)(i % 256));
            await responses.WriteAsync(new Chunk { Index = i, Data = ByteString.CopyFrom(data) });
        }
    }

    private static async Task ChatAsync(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        while (await requests.MoveNext())
        {
            await responses.WriteAsync(new EchoReply { Text = "echo:" + requests.Current.Text });
        }
    }

    private async Task HangAsync(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        TaskCompletionSource<HangReport> report = Hang(request.Text);
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
            bool deadline = context.Deadline is { } d && d - start < TimeSpan.FromSeconds(5);
            report.TrySetResult(new HangReport { Ended = true, DeadlineExceeded = deadline, Cancelled = !deadline });
            throw;
        }
    }

    private async Task<HangReport> HowDidHangEndAsync(EchoRequest request, ServerCallContext context) => await WaitForHangAsync(request.Text);
}

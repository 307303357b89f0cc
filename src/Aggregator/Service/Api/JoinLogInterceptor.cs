using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Logs the steps of joining the key epoch from the KeyEpoch calls' answers, so that an operator sees each site
/// arrive: the first epoch-info read of each participant, the threshold-share blobs stored and delivered, and the
/// acknowledgement of its key shares (the last step of a join). Commits and reveals are logged where they are accepted
/// (<see cref="KeyEpochState"/>). Ids and counts only; the innermost interceptor of KeyEpoch (it needs the caller).
/// </summary>
internal sealed class JoinLogInterceptor(ILoggerFactory loggers) : Interceptor
{
    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Service");
    private readonly ConcurrentDictionary<(string Participant, string Step), bool> _logged = new();

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        TResponse response = await continuation(request, context).ConfigureAwait(false);
        string caller = context.Caller();
        switch (response)
        {
            case EpochInfo info when First(caller, nameof(EpochInfo)):
                ServiceLog.EpochInfoRead(_logger, info.EpochId, caller, info.Participants.Count(p => p.CommitReceived), info.Participants.Count);
                break;
            case AcknowledgeKeySharesResponse when First(caller, nameof(AcknowledgeKeySharesResponse)):
                ServiceLog.KeySharesAcknowledged(_logger, ConsortiumRoster.EpochId, caller);
                break;
        }

        return response;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        TResponse response = await continuation(requestStream, context).ConfigureAwait(false);
        if (response is UploadThresholdSharesResponse { StoredRecipientIds.Count: > 0 } stored)
        {
            ServiceLog.BlobsStored(_logger, ConsortiumRoster.EpochId, context.Caller(), string.Join(", ", stored.StoredRecipientIds));
        }

        return response;
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var counting = new CountingWriter<TResponse>(responseStream);
        await continuation(request, counting, context).ConfigureAwait(false);
        if (counting.Count > 0 && typeof(TResponse) == typeof(ThresholdShareBlob))
        {
            ServiceLog.BlobsDelivered(_logger, ConsortiumRoster.EpochId, context.Caller(), counting.Count);
        }
    }

    private bool First(string participant, string step) => _logged.TryAdd((participant, step), true);

    /// <summary>Passes messages through and counts them.</summary>
    private sealed class CountingWriter<T>(IServerStreamWriter<T> inner) : IServerStreamWriter<T>
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public async Task WriteAsync(T message)
        {
            await inner.WriteAsync(message).ConfigureAwait(false);
            Interlocked.Increment(ref _count);
        }

        public async Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _count);
        }
    }
}

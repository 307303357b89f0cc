using Microsoft.Extensions.Logging;

namespace SecAgg.Aggregator.Service;

/// <summary>The service's structured log events: ids, counts, stages and statuses; never key, plaintext or ciphertext bytes.</summary>
internal static partial class ServiceLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Aggregator listening on {Address} (consortium {Consortium}, {Participants} participants, t = {Threshold}, HE preset {Preset})")]
    public static partial void Started(ILogger logger, string address, string consortium, int participants, int threshold, string preset);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Key epoch {Epoch}: {Step} of {Participant} accepted ({Received} of {Total})")]
    public static partial void EpochStepAccepted(ILogger logger, ulong epoch, string step, string participant, int received, int total);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Key epoch {Epoch} ready: every participant acknowledged its key shares")]
    public static partial void EpochReady(ILogger logger, ulong epoch);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Round {Round}: upload of {Participant} counted ({Summands} summands)")]
    public static partial void UploadCounted(ILogger logger, long round, string participant, int summands);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "{Method} refused for {Participant}: {Status} ({Reason}) {Detail}")]
    public static partial void Refused(ILogger logger, string method, string participant, string status, string reason, string detail);

    [LoggerMessage(EventId = 222, Level = LogLevel.Information, Message = "Round {Round}: collection closed with {Summands} uploads; waiting for their approvals")]
    public static partial void ApprovalBegins(ILogger logger, long round, int summands);

    [LoggerMessage(EventId = 223, Level = LogLevel.Information, Message = "Round {Round}: approval of {Participant} accepted ({Received} of {Needed})")]
    public static partial void ApprovalAccepted(ILogger logger, long round, string participant, int received, int needed);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Round {Round}: decryption begins with set [{Set}] over {Summands} summands")]
    public static partial void DecryptionBegins(ILogger logger, long round, string set, int summands);

    [LoggerMessage(EventId = 206, Level = LogLevel.Information, Message = "Round {Round}: decryption shares of {Participant} complete")]
    public static partial void SharesComplete(ILogger logger, long round, string participant);

    [LoggerMessage(EventId = 224, Level = LogLevel.Information, Message = "Round {Round}: decrypted {Chunks} chunk(s) in {DecryptMs:0} ms ({Folded} from shares added up as they arrived, {ReadBack} read back from storage) and decoded the mean; storing the model")]
    public static partial void Decrypted(ILogger logger, long round, int chunks, double decryptMs, int folded, int readBack);

    [LoggerMessage(EventId = 208, Level = LogLevel.Warning, Message = "Round {Round} aborted: {Reason}")]
    public static partial void Aborted(ILogger logger, long round, string reason);

    [LoggerMessage(EventId = 209, Level = LogLevel.Warning, Message = "No further round opened: {Reason}")]
    public static partial void NotOpening(ILogger logger, string reason);

    [LoggerMessage(EventId = 210, Level = LogLevel.Error, Message = "Round driver step failed")]
    public static partial void DriverFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Aggregator stopping: health NOT_SERVING; in-flight calls get {GraceSeconds} s to finish, accepted chunks stay staged")]
    public static partial void Stopping(ILogger logger, double graceSeconds);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Recovered {Count} staged uploads after restart")]
    public static partial void Recovered(ILogger logger, int count);

    [LoggerMessage(EventId = 213, Level = LogLevel.Information, Message = "Round {Round}: {From} -> {To} {Spent}")]
    public static partial void StageChanged(ILogger logger, long round, string from, string to, string spent);

    [LoggerMessage(EventId = 214, Level = LogLevel.Information, Message = "Round {Round} found {Stage} at start-up ({Summands} uploads counted); resuming it")]
    public static partial void RoundResumed(ILogger logger, long round, string stage, int summands);

    [LoggerMessage(EventId = 215, Level = LogLevel.Information, Message = "Key epoch {Epoch}: {Participant} read the epoch info ({Received} of {Total} commits in)")]
    public static partial void EpochInfoRead(ILogger logger, ulong epoch, string participant, int received, int total);

    [LoggerMessage(EventId = 216, Level = LogLevel.Information, Message = "Key epoch {Epoch}: threshold-share blobs from {Participant} stored for [{Recipients}]")]
    public static partial void BlobsStored(ILogger logger, ulong epoch, string participant, string recipients);

    [LoggerMessage(EventId = 217, Level = LogLevel.Information, Message = "Key epoch {Epoch}: {Participant} received {Count} threshold-share blobs")]
    public static partial void BlobsDelivered(ILogger logger, ulong epoch, string participant, int count);

    [LoggerMessage(EventId = 218, Level = LogLevel.Information, Message = "Key epoch {Epoch}: {Participant} acknowledged its key shares; it has joined")]
    public static partial void KeySharesAcknowledged(ILogger logger, ulong epoch, string participant);

    [LoggerMessage(EventId = 219, Level = LogLevel.Debug, Message = "{Method} for {Participant}: not yet ({Status}) {Detail}")]
    public static partial void NotYet(ILogger logger, string method, string participant, string status, string detail);

    [LoggerMessage(EventId = 220, Level = LogLevel.Information, Message = "Aggregator stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(EventId = 221, Level = LogLevel.Information, Message = "Operator port listening on {Address}: grpc.health.v1 and reflection, /metrics (Prometheus), / (status page); TLS without client certificates")]
    public static partial void OperatorListening(ILogger logger, string address);
}

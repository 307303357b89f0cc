using Microsoft.Extensions.Logging;

namespace SecAgg.Participant.Client;

/// <summary>The participant client's log events: retries and waits; never key, share, plaintext or ciphertext bytes.</summary>
internal static partial class ParticipantLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "{Operation}: the aggregator answered {Status} ({Detail}); retry {Attempt} of {Max} in {Delay:0.0} s")]
    public static partial void Retrying(ILogger logger, string operation, string status, string detail, int attempt, int max, double delay);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "{Operation}: {Waiting}; asking again in {Delay:0.0} s (check {Attempt})")]
    public static partial void Waiting(ILogger logger, string operation, string waiting, int attempt, double delay);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Round {Round}: the upload stream broke after {Chunks} chunks ({Status}); resuming in {Delay:0.#} s (attempt {Attempt} of {Max})")]
    public static partial void UploadResuming(ILogger logger, ulong round, int chunks, string status, int attempt, int max, double delay);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "Key epoch {Epoch}: resuming '{Participant}' from its saved state (no new secrets are drawn)")]
    public static partial void EpochResumed(ILogger logger, ulong epoch, string participant);

    [LoggerMessage(EventId = 304, Level = LogLevel.Information, Message = "Key epoch {Epoch}: the keys of '{Participant}' are saved (mode 0600)")]
    public static partial void EpochKeysSaved(ILogger logger, ulong epoch, string participant);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "Round {Round}: approval refused ({Refusal}): {Reason}")]
    public static partial void ApprovalRefused(ILogger logger, ulong round, string refusal, string reason);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "Round {Round}: decryption session refused ({Refusal}): {Reason}")]
    public static partial void DecryptionRefused(ILogger logger, ulong round, string refusal, string reason);

    [LoggerMessage(EventId = 307, Level = LogLevel.Information, Message = "Round {Round}: approved the list of {Uploads} uploads ({Approvals} of {Needed} approvals in)")]
    public static partial void Approved(ILogger logger, ulong round, int uploads, uint approvals, uint needed);

    [LoggerMessage(EventId = 308, Level = LogLevel.Information, Message = "Round {Round}: {Shares} decryption shares sent for the set [{Set}]")]
    public static partial void SharesSent(ILogger logger, ulong round, int shares, string set);

    [LoggerMessage(EventId = 309, Level = LogLevel.Warning, Message = "Could not tell the aggregator that '{Participant}' is leaving: {Detail}")]
    public static partial void PresenceNotReported(ILogger logger, string participant, string detail);
}

using Microsoft.Extensions.Logging;

namespace SecAgg.Participant.Client;

/// <summary>The participant client's log events: retries and waits; never key, share, plaintext or ciphertext bytes.</summary>
internal static partial class ParticipantLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "{Operation}: the aggregator answered {Status} ({Detail}); retry {Attempt} of {Max} in {Delay:0.0} s")]
    public static partial void Retrying(ILogger logger, string operation, string status, string detail, int attempt, int max, double delay);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "{Operation}: {Waiting}; asking again in {Delay:0.0} s (check {Attempt})")]
    public static partial void Waiting(ILogger logger, string operation, string waiting, int attempt, double delay);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Round {Round}: the upload stream broke after {Chunks} chunks ({Status}); resuming (attempt {Attempt} of {Max})")]
    public static partial void UploadResuming(ILogger logger, ulong round, int chunks, string status, int attempt, int max);
}

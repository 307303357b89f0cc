using Grpc.Core;
using Microsoft.Extensions.Logging;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.State;

/// <summary>One refused call, as the status page lists it: no payload, only who, what and why.</summary>
/// <param name="At">When it was refused.</param>
/// <param name="Method">The rpc (e.g. UploadCiphertexts).</param>
/// <param name="Participant">The caller as far as it is known (an enrolled id, a certificate's name, or "(unknown)").</param>
/// <param name="Status">The gRPC status answered.</param>
/// <param name="Reason">The machine-readable reason of the <c>secagg-error-bin</c> trailer.</param>
/// <param name="Message">The message the caller got.</param>
internal sealed record RefusalRecord(DateTimeOffset At, string Method, string Participant, StatusCode Status, ErrorReason Reason, string Message);

/// <summary>
/// Where every refusal goes: the log (a warning; a poll answered "not yet", e.g. the collective key before every
/// share is in, only at debug level), the refusals counter by rpc, status and reason, and the last
/// <see cref="Capacity"/> real refusals for the status page.
/// </summary>
internal sealed class RefusalJournal(AggregatorMetrics metrics, AggregatorHostOptions options, ILoggerFactory loggers)
{
    /// <summary>How many recent refusals are kept.</summary>
    public const int Capacity = 50;

    private readonly ILogger _logger = loggers.CreateLogger("SecAgg.Aggregator.Service");
    private readonly Queue<RefusalRecord> _recent = new();
    private readonly Lock _gate = new();

    /// <summary>Logs, counts and keeps one refusal.</summary>
    public void Record(string method, string participant, StatusCode status, ErrorReason reason, string message)
    {
        metrics.Refusals.Add(1, new("rpc", method), new("status", status.ToString()), new("reason", reason.ToString()));
        if (IsNotYet(method, status))
        {
            ServiceLog.NotYet(_logger, method, participant, status.ToString(), message);
            return;
        }

        ServiceLog.Refused(_logger, method, participant, status.ToString(), reason.ToString(), message);
        lock (_gate)
        {
            _recent.Enqueue(new RefusalRecord(options.Time.GetUtcNow(), method, participant, status, reason, message));
            while (_recent.Count > Capacity)
            {
                _recent.Dequeue();
            }
        }
    }

    /// <summary>The recent refusals, newest first.</summary>
    public IReadOnlyList<RefusalRecord> Recent()
    {
        lock (_gate)
        {
            return [.. _recent.Reverse()];
        }
    }

    /// <summary>
    /// A read (Get*, Fetch*, Poll*, Download*) answered FAILED_PRECONDITION or NOT_FOUND is a participant waiting for
    /// something that is not there yet (the collective key, the first round), not a refused input.
    /// </summary>
    private static bool IsNotYet(string method, StatusCode status) =>
        status is StatusCode.FailedPrecondition or StatusCode.NotFound
        && (method.StartsWith("Get", StringComparison.Ordinal) || method.StartsWith("Fetch", StringComparison.Ordinal)
            || method.StartsWith("Poll", StringComparison.Ordinal) || method.StartsWith("Download", StringComparison.Ordinal));
}

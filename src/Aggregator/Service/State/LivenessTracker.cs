using System.Collections.Concurrent;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// When each participant last made an authenticated call (in memory only: right after a restart nobody is live).
/// A participant is live when that call is within the window; the t-of-N decryption set prefers live participants.
/// </summary>
internal sealed class LivenessTracker(TimeProvider time, TimeSpan window)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);

    /// <summary>Records an authenticated call (or the end of a counted upload) by <paramref name="id"/> now.</summary>
    public void Seen(string id) => _lastSeen[id] = time.GetUtcNow();

    /// <summary>Whether <paramref name="id"/> made an authenticated call within the window before <paramref name="now"/>.</summary>
    public bool IsLive(string id, DateTimeOffset now) => _lastSeen.TryGetValue(id, out DateTimeOffset seen) && now - seen <= window;
}

using System.Collections.Concurrent;

namespace SecAgg.Aggregator.Service.State;

/// <summary>
/// When each participant last made an authenticated call, and what it last said with ReportPresence (in memory only:
/// right after a restart nobody is live). A participant is live when that call is within the window; the t-of-N
/// decryption set prefers participants that reported presence, then live ones, and never picks one that said it is
/// leaving while others can answer.
/// </summary>
internal sealed class LivenessTracker(TimeProvider time, TimeSpan window)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _presence = new(StringComparer.Ordinal);

    /// <summary>Records an authenticated call (or the end of a counted upload) by <paramref name="id"/> now.</summary>
    public void Seen(string id) => _lastSeen[id] = time.GetUtcNow();

    /// <summary>Records ReportPresence: <paramref name="leaving"/> false = here and waiting, true = exiting.</summary>
    public void Report(string id, bool leaving)
    {
        _presence[id] = !leaving;
        Seen(id);
    }

    /// <summary>Whether <paramref name="id"/> made an authenticated call within the window before <paramref name="now"/>.</summary>
    public bool IsLive(string id, DateTimeOffset now) => _lastSeen.TryGetValue(id, out DateTimeOffset seen) && now - seen <= window;

    /// <summary>Whether <paramref name="id"/> reported presence (not leaving) and is live.</summary>
    public bool IsPresent(string id, DateTimeOffset now) => _presence.TryGetValue(id, out bool here) && here && IsLive(id, now);

    /// <summary>Whether <paramref name="id"/> said it is leaving.</summary>
    public bool IsLeaving(string id) => _presence.TryGetValue(id, out bool here) && !here;
}

using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace SecAgg.Benchmarks.Participant;

/// <summary>
/// The runtime's GC AllocationTick events (one per ~100 KB allocated, naming the type of the allocation that crossed the
/// mark) summed by type: where a round's allocations come from, without a profiler (<c>participant-peak … --allocations</c>).
/// Sampled: a type's share of the ticks estimates its share of the bytes.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new();

    /// <summary>The sampled bytes by type since the last <see cref="TakeTop"/>, largest first.</summary>
    public IReadOnlyList<(string Type, long Bytes)> TakeTop(int count)
    {
        var top = _bytesByType.OrderByDescending(kv => kv.Value).Take(count).Select(kv => (kv.Key, kv.Value)).ToList();
        _bytesByType.Clear();
        return top;
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != "GCAllocationTick_V4" || eventData.Payload is null)
        {
            return;
        }

        int typeIndex = eventData.PayloadNames!.IndexOf("TypeName");
        int amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (typeIndex < 0 || amountIndex < 0)
        {
            return;
        }

        string type = eventData.Payload[typeIndex] as string ?? "?";
        long amount = Convert.ToInt64(eventData.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture);
        _bytesByType.AddOrUpdate(type, amount, (_, total) => total + amount);
    }
}

namespace SecAgg.Aggregator;

/// <summary>Assembly marker.</summary>
internal static class AssemblyMarker
{
}

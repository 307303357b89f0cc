namespace SecAgg.Transport;

/// <summary>Assembly marker.</summary>
internal static class AssemblyMarker
{
}

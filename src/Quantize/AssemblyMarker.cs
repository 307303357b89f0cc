namespace SecAgg.Quantize;

/// <summary>Assembly marker.</summary>
internal static class AssemblyMarker
{
}

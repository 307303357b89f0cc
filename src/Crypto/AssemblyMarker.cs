namespace SecAgg.Crypto;

/// <summary>Assembly marker.</summary>
internal static class AssemblyMarker
{
}

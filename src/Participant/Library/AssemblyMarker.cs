namespace SecAgg.Participant;

/// <summary>Assembly marker.</summary>
internal static class AssemblyMarker
{
}

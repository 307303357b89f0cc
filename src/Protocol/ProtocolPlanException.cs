namespace SecAgg.Protocol;

/// <summary>
/// A consortium's parameters cannot be planned (no secure aggregation parameter set holds them, or the DP knobs do not
/// form a valid DDG mechanism). The message names the consortium-file keys to change.
/// </summary>
public sealed class ProtocolPlanException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ProtocolPlanException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public ProtocolPlanException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

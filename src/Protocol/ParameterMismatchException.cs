namespace SecAgg.Protocol;

/// <summary>
/// A contract message describes parameters that do not match what the receiver computes from them
/// (a digest, a derived value or a count differs): the peers disagree about the round and must not
/// exchange ciphertexts. The message names the field and both values.
/// </summary>
public sealed class ParameterMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ParameterMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner cause.</summary>
    public ParameterMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

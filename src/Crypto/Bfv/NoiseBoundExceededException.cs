namespace SecAgg.Crypto.Bfv;

/// <summary>
/// Thrown when a ciphertext's tracked noise bound no longer guarantees exact decryption (too many additions, or
/// too small a modulus): decrypting would risk a silently wrong result.
/// </summary>
public sealed class NoiseBoundExceededException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public NoiseBoundExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NoiseBoundExceededException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public NoiseBoundExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

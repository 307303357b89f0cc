namespace SecAgg.Crypto.Serialization;

/// <summary>A serialized object is malformed: truncated, tampered, for other parameters, or holds a non-reduced value.</summary>
public sealed class InvalidEncodingException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public InvalidEncodingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvalidEncodingException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public InvalidEncodingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

namespace SecAgg.Participant.Tensors;

/// <summary>A tensor file is malformed or uses a feature this reader does not support; the message says which and where.</summary>
public sealed class TensorFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TensorFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public TensorFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

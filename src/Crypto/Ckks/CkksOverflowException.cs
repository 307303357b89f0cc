namespace SecAgg.Crypto.Ckks;

/// <summary>
/// Thrown when a CKKS ciphertext cannot be decrypted correctly: its message bound plus its noise bound (plus the
/// flooding, in threshold decryption) reaches q_ℓ/2, so the decrypted phase would wrap around the modulus.
/// </summary>
public sealed class CkksOverflowException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public CkksOverflowException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CkksOverflowException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CkksOverflowException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
